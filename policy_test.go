package facteur

import (
	"strings"
	"testing"
)

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    Policy
		want string // "" when valid
	}{
		{"defaults", Policy{}, ""},
		{"domains", Policy{AllowedDomains: []string{"Example.ORG", "partner.example"}, AccountDomains: []string{"uni.example"}}, ""},
		{"bounds", Policy{LinkTTLHours: MaxLinkTTLHours, AttachmentLimit: MaxAttachmentLimit}, ""},
		{"wildcard", Policy{AllowedDomains: []string{"*"}}, `allowed_email_domains[0]: "*" is not a domain`},
		{"wildcard label", Policy{AllowedDomains: []string{"*.example.org"}}, "allowed_email_domains[0]:"},
		{"address", Policy{AccountDomains: []string{"ana@example.org"}}, "export_account_domains[0]:"},
		{"empty", Policy{AllowedDomains: []string{"ok.example", ""}}, "allowed_email_domains[1]:"},
		{"ip literal", Policy{AllowedDomains: []string{"[::1]"}}, "allowed_email_domains[0]:"},
		{"too many", Policy{AllowedDomains: make([]string, MaxPolicyDomains+1)}, "allowed_email_domains: at most 100"},
		{"ttl overflow", Policy{LinkTTLHours: 2_562_048}, "link_ttl_hours: use a number of hours from 1 to 8784"},
		{"ttl negative", Policy{LinkTTLHours: -1}, "link_ttl_hours:"},
		{"attachment too big", Policy{AttachmentLimit: 9223372036854775807}, "attachment_limit_bytes:"},
	} {
		err := tc.p.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || ErrorCode(err) != EINVALID || !strings.HasPrefix(ErrorMessage(err), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	p := Policy{AllowedDomains: []string{"Example.ORG"}}
	if p.Validate() != nil || p.AllowedDomains[0] != "example.org" {
		t.Errorf("domains are not lower-cased: %v", p.AllowedDomains)
	}
}

func FuzzPolicyValidate(f *testing.F) {
	for _, s := range []string{"example.org", "*", "a@b", "", "-x.example"} {
		f.Add(s, 72, int64(0))
	}
	f.Fuzz(func(t *testing.T, domain string, ttl int, limit int64) {
		p := Policy{AllowedDomains: []string{domain}, LinkTTLHours: ttl, AttachmentLimit: limit}
		if p.Validate() != nil {
			return
		}
		p = p.WithDefaults()
		if p.LinkTTL() <= 0 || p.AttachmentLimit <= 0 || strings.ContainsAny(p.AllowedDomains[0], "*@ ") {
			t.Fatalf("accepted %+v", p)
		}
	})
}
