package facteur

import (
	"context"
	"time"
)

// ClosureList is a named list of the organisation's closure days (E9), such
// as "Office closures": a calendar that names it does not count its days as
// working days.
type ClosureList struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Days are single dates or ranges of dates.
	Days      []ClosureDays `json:"days"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// ClosureDays is one date or one range of dates of a closure list.
type ClosureDays struct {
	// From is the first day, "YYYY-MM-DD".
	From string `json:"from"`
	// To is the last day of a range, "YYYY-MM-DD"; empty for one day.
	To string `json:"to,omitempty"`
	// Label says why, e.g. "Christmas break"; the preview of next runs
	// shows it.
	Label string `json:"label,omitempty"`
}

// Bounds of closure lists.
const (
	MaxClosureLists    = 100  // lists an organisation keeps
	MaxClosureEntries  = 366  // dates and ranges in one list
	MaxClosureRange    = 366  // days in one range
	MaxClosureNameLen  = 100  // bytes of a list's name
	MaxClosureLabelLen = 100  // bytes of an entry's label
	MinClosureYear     = 1970 // first year of a closure date
	MaxClosureYear     = 2200 // last year of a closure date
	MaxCalendarClosure = 10   // closure lists one calendar names
)

// ClosureLists stores the organisation's closure lists.
type ClosureLists interface {
	// CreateClosureList records l and sets its ID and timestamps; a name
	// already used fails with ECONFLICT.
	CreateClosureList(ctx context.Context, l *ClosureList) error
	// ClosureList returns the list id, or ENOTFOUND.
	ClosureList(ctx context.Context, id int64) (*ClosureList, error)
	// ClosureLists returns every list, by name.
	ClosureLists(ctx context.Context) ([]*ClosureList, error)
	// UpdateClosureList saves l's name and days (ECONFLICT when it changed
	// since it was read, or when it is renamed while a schedule names it).
	UpdateClosureList(ctx context.Context, l *ClosureList) error
	// DeleteClosureList deletes a list no schedule names; ECONFLICT names a
	// schedule that does.
	DeleteClosureList(ctx context.Context, id int64) error
	// ResolveClosures fills c.ClosureLists with the lists c.Closures names
	// (a name no list has is left for calendar.Validate to refuse).
	ResolveClosures(ctx context.Context, c *Calendar) error
}
