package facteur

import (
	"path"
	"sync"
	"time"
	_ "time/tzdata" // zones resolve on machines without a zone database
)

// MaxZoneName is the longest time zone name accepted (the longest IANA
// name is 32 bytes).
const MaxZoneName = 64

// LoadZone returns the IANA time zone called name; "" is UTC. Refused with
// an EINVALID error naming field: "Local" (a schedule or an export must not
// change meaning with the server it runs on), names not written the way
// the zone database writes them ("Europe/./Paris", "/Europe/Paris"), and
// names over MaxZoneName bytes. Every value that names a zone — calendars,
// one-off exports, sources — is read by this one rule.
func LoadZone(field, name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	bad := Errorf(EINVALID, "%s: unknown time zone %q; use an IANA name such as Europe/Paris", field, shorten(name, MaxZoneName))
	if len(name) > MaxZoneName || name == "Local" || path.Clean(name) != name || path.IsAbs(name) {
		return nil, bad
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones caches the locations read from the zone database: loading one
// reads and parses a file, listing schedules asks for a zone per schedule,
// and a *time.Location never changes once loaded.
var zones sync.Map // name -> *time.Location

// shorten cuts s to at most n bytes for a message, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
