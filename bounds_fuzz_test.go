package facteur_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// FuzzCheckName: a name is refused with EINVALID on "name", or is not
// blank, at most MaxNameLen bytes and free of control characters.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Daily sales", "", " ", "a\nb", "a\x00b", strings.Repeat("é", 101), "\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := facteur.CheckName("report", name)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "name: ") {
				t.Fatalf("CheckName(%q): %v", name, err)
			}
			return
		}
		if strings.TrimSpace(name) == "" || len(name) > facteur.MaxNameLen || strings.ContainsAny(name, "\x00\r\n\t\x7f") {
			t.Fatalf("CheckName accepted %q", name)
		}
	})
}

// FuzzLoadZone: a zone is refused with EINVALID on the field, or loads,
// and loads again under the same name; "Local" and unclean names never
// load.
func FuzzLoadZone(f *testing.F) {
	for _, s := range []string{"Europe/Paris", "Local", "Europe/./Paris", "/Europe/Paris", "UTC", "", "../etc/passwd", "Etc/GMT+5", strings.Repeat("a/", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		loc, err := facteur.LoadZone("time_zone", name)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "time_zone: ") {
				t.Fatalf("LoadZone(%q): %v", name, err)
			}
			return
		}
		if name == "Local" || strings.Contains(name, "./") || strings.HasPrefix(name, "/") || len(name) > facteur.MaxZoneName {
			t.Fatalf("LoadZone accepted %q", name)
		}
		if again, err := facteur.LoadZone("time_zone", name); err != nil || again.String() != loc.String() {
			t.Fatalf("LoadZone(%q) changed: %v, %v", name, again, err)
		}
	})
}

// FuzzNormalizeEmail: an address is refused with EINVALID on "email", or
// is at most MaxEmailLen bytes, lower case, and normalises to itself.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@example.org", "A@Example.ORG", "Ann <a@example.org>", "a", "@", strings.Repeat("a", 250) + "@example.org", "a\r\n@b", "\"a b\"@example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := facteur.NormalizeEmail(s)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "email: ") {
				t.Fatalf("NormalizeEmail(%q): %v", s, err)
			}
			return
		}
		if len(e) > facteur.MaxEmailLen || !utf8.ValidString(e) || e != strings.ToLower(e) || !strings.Contains(e, "@") {
			t.Fatalf("NormalizeEmail(%q) = %q", s, e)
		}
		if again, err := facteur.NormalizeEmail(e); err != nil || again != e {
			t.Fatalf("NormalizeEmail(%q) = %q, then %q, %v", s, e, again, err)
		}
	})
}

// FuzzPolicyJSON: a policy as an administrator sends it is refused with
// EINVALID naming a field, or is within its bounds, and validates again
// after it is stored and read back.
func FuzzPolicyJSON(f *testing.F) {
	for _, s := range []string{
		`{"allowed_email_domains":["example.org"],"link_ttl_hours":72}`,
		`{"allowed_email_domains":["*"]}`, `{"link_ttl_hours":2562048}`, `{"link_ttl_hours":9223372036854775807}`,
		`{"attachment_limit_bytes":-1}`, `{"export_account_domains":["a@b"]}`, `{"export_disabled":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p facteur.Policy
		if json.Unmarshal(raw, &p) != nil {
			return
		}
		if err := p.Validate(); err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(msg, ": ") {
				t.Fatalf("Validate(%s): %v", raw, err)
			}
			return
		}
		p = p.WithDefaults()
		if p.LinkTTL() <= 0 || p.LinkTTLHours > facteur.MaxLinkTTLHours || p.AttachmentLimit <= 0 || p.AttachmentLimit > facteur.MaxAttachmentLimit {
			t.Fatalf("accepted %+v", p)
		}
		for _, d := range append(p.AllowedDomains, p.AccountDomains...) {
			if !facteur.IsHostName(d) || strings.ContainsAny(d, "*@ ") || d != strings.ToLower(d) {
				t.Fatalf("accepted the domain %q", d)
			}
		}
		b, _ := json.Marshal(p)
		var back facteur.Policy
		if err := json.Unmarshal(b, &back); err != nil || back.Validate() != nil {
			t.Fatalf("stored %s does not validate again: %v", b, back.Validate())
		}
	})
}

// FuzzChartValidate: a chart is refused with EINVALID on a chart field, or
// has a known type, 1 to MaxChartSeries distinct y columns other than x,
// names and a title within their bounds, and only listed fields.
func FuzzChartValidate(f *testing.F) {
	f.Add("line", "day", "total,orders", "Sales", "day,total,orders")
	f.Add("bar", "region", "region", "", "")
	f.Add("pie", "", "", "a\nb", "x")
	f.Add("bar", "x", strings.Repeat("y,", 9), strings.Repeat("t", 201), "")
	f.Fuzz(func(t *testing.T, typ, x, ys, title, fields string) {
		c := facteur.Chart{Type: typ, X: x, Title: title}
		if ys != "" {
			c.Y = strings.Split(ys, ",")
		}
		var listed []facteur.Field
		if fields != "" {
			for _, n := range strings.Split(fields, ",") {
				listed = append(listed, facteur.Field{Name: n})
			}
		}
		err := c.Validate(listed)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "chart.") {
				t.Fatalf("Validate(%+v): %v", c, err)
			}
			return
		}
		if typ != facteur.ChartLine && typ != facteur.ChartBar || len(c.Y) == 0 || len(c.Y) > facteur.MaxChartSeries ||
			len(title) > facteur.MaxChartTitle || strings.TrimSpace(x) == "" || len(x) > facteur.MaxNameLen {
			t.Fatalf("Validate accepted %+v", c)
		}
		seen := map[string]bool{x: true}
		for _, y := range c.Y {
			if seen[y] || strings.TrimSpace(y) == "" {
				t.Fatalf("Validate accepted %+v: y %q repeated or blank", c, y)
			}
			seen[y] = true
		}
		for n := range seen {
			found := len(listed) == 0
			for _, l := range listed {
				found = found || l.Name == n
			}
			if !found {
				t.Fatalf("Validate accepted %+v with column %q not among the fields %q", c, n, fields)
			}
		}
	})
}
