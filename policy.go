package facteur

import (
	"fmt"
	"strings"
	"time"
)

// PolicyKey is the key of the server's policy in the store's settings.
const PolicyKey = "policy"

// Policy is what the administrators allow: where e-mail may go and who may
// export at all (G1, G2, G3).
type Policy struct {
	// AllowedDomains are the recipient domains e-mail schedules may use
	// besides their owner's own address.
	AllowedDomains []string `json:"allowed_email_domains"`
	// AttachmentLimit is the largest file sent as an attachment; a larger
	// one is replaced by a download link. Default 15 MB.
	AttachmentLimit int64 `json:"attachment_limit_bytes"`
	// LinkTTLHours is how long those links work. Default 72 hours.
	LinkTTLHours int `json:"link_ttl_hours"`
	// ExportDisabled switches data export off on the whole server: no run,
	// test, preview or download until it is switched on again.
	ExportDisabled bool `json:"export_disabled"`
	// AccountDomains, when set, are the only e-mail domains of accounts
	// that may export.
	AccountDomains []string `json:"export_account_domains"`
	// Limits bound every run (see RunLimits); a schedule may lower them.
	// Unset limits take their defaults: 2 hours, 50,000,000 rows, 20 GiB.
	Limits RunLimits `json:"run_limits"`
	// MaxCellBytes is the largest value one cell may hold in a preview or
	// an export. Default DefaultMaxCellBytes (16 MiB).
	MaxCellBytes int64 `json:"max_cell_bytes"`
}

// Policy defaults.
const (
	DefaultAttachmentLimit = 15_000_000
	DefaultLinkTTL         = 72 * time.Hour
)

// Policy bounds.
const (
	MaxPolicyDomains   = 100
	MaxLinkTTLHours    = 24 * 366 // a year
	MaxAttachmentLimit = 100_000_000
)

// Validate checks the policy as an administrator wrote it, naming the
// field: domains are host names such as example.org (lower-cased here;
// "*" or an address is refused: a wildcard would approve every domain),
// at most MaxPolicyDomains of each; link_ttl_hours 0 (the default) to
// MaxLinkTTLHours, so that links can never be born expired by an
// overflow; attachment_limit_bytes 0 (the default) to MaxAttachmentLimit;
// max_cell_bytes 0 (the default) or MinMaxCellBytes to MaxMaxCellBytes;
// run_limits within their bounds (MaxRunDurationSeconds, MaxRunRows,
// MaxRunBytes), 0 for a default.
func (p *Policy) Validate() error {
	for _, l := range []struct {
		name string
		list []string
	}{{"allowed_email_domains", p.AllowedDomains}, {"export_account_domains", p.AccountDomains}} {
		if len(l.list) > MaxPolicyDomains {
			return Errorf(EINVALID, "%s: at most %d domains", l.name, MaxPolicyDomains)
		}
		for i, d := range l.list {
			if d == "" || strings.HasSuffix(d, ".") || !IsHostName(d) || strings.ContainsAny(d, ":[]") {
				return Errorf(EINVALID, "%s[%d]: %q is not a domain (write it as example.org)", l.name, i, shorten(d, 64))
			}
			l.list[i] = strings.ToLower(d)
		}
	}
	switch {
	case p.LinkTTLHours < 0 || p.LinkTTLHours > MaxLinkTTLHours:
		return Errorf(EINVALID, "link_ttl_hours: use a number of hours from 1 to %d (a year), or 0 for the default (%d)", MaxLinkTTLHours, int(DefaultLinkTTL/time.Hour))
	case p.AttachmentLimit < 0 || p.AttachmentLimit > MaxAttachmentLimit:
		return Errorf(EINVALID, "attachment_limit_bytes: use a size from 1 to %d bytes, or 0 for the default (%d)", MaxAttachmentLimit, DefaultAttachmentLimit)
	case p.MaxCellBytes != 0 && (p.MaxCellBytes < MinMaxCellBytes || p.MaxCellBytes > MaxMaxCellBytes):
		return Errorf(EINVALID, "max_cell_bytes: use a size from %d (64 KiB) to %d bytes (256 MiB), or 0 for the default (%d, 16 MiB)", MinMaxCellBytes, MaxMaxCellBytes, DefaultMaxCellBytes)
	}
	return p.Limits.validate("run_limits.")
}

// LinkTTL is how long download links work.
// A value stored before the bound existed is read as the bound, never as
// an overflowed, negative duration.
func (p Policy) LinkTTL() time.Duration {
	return time.Duration(min(p.LinkTTLHours, MaxLinkTTLHours)) * time.Hour
}

// WithDefaults fills the policy's unset limits and lists.
func (p Policy) WithDefaults() Policy {
	if p.AttachmentLimit <= 0 {
		p.AttachmentLimit = DefaultAttachmentLimit
	}
	if p.LinkTTLHours <= 0 {
		p.LinkTTLHours = int(DefaultLinkTTL / time.Hour)
	}
	if p.MaxCellBytes <= 0 {
		p.MaxCellBytes = DefaultMaxCellBytes
	}
	p.Limits = p.Limits.withDefaults()
	if p.AllowedDomains == nil {
		p.AllowedDomains = []string{}
	}
	if p.AccountDomains == nil {
		p.AccountDomains = []string{}
	}
	return p
}

// inDomains reports whether the domain of address is one of domains.
func inDomains(address string, domains []string) bool {
	_, d, _ := strings.Cut(strings.ToLower(strings.TrimSpace(address)), "@")
	for _, x := range domains {
		if d != "" && d == strings.ToLower(strings.TrimSpace(x)) {
			return true
		}
	}
	return false
}

// CheckExporter refuses an account that may not export data now: a
// deactivated account, a viewer, any account while export is switched off,
// and an account outside the approved account domains.
func (p Policy) CheckExporter(u *User) error {
	switch {
	case !u.Active:
		return Errorf(EFORBIDDEN, "the account %s is deactivated", u.Email)
	case !u.Role.AtLeast(RoleEditor):
		return Errorf(EFORBIDDEN, "the account %s is %s and may not export data; an administrator can give it the editor role", u.Email, u.Role.Noun())
	case p.ExportDisabled:
		return Errorf(EFORBIDDEN, "data export is switched off on this server; an administrator can switch it on in Settings → Policy")
	case len(p.AccountDomains) > 0 && !inDomains(u.Email, p.AccountDomains):
		return Errorf(EFORBIDDEN, "only accounts of %s may export data, and %s is not one", strings.Join(p.AccountDomains, ", "), u.Email)
	}
	return nil
}

// CheckRecipients refuses e-mail recipients that are neither the owner's
// own address nor in an approved domain (G3).
func (p Policy) CheckRecipients(owner *User, to []string) error {
	for i, a := range to {
		if strings.EqualFold(strings.TrimSpace(a), owner.Email) || inDomains(a, p.AllowedDomains) {
			continue
		}
		where := "no other domain is approved yet (an administrator sets allowed_email_domains in Settings → Policy)"
		if len(p.AllowedDomains) > 0 {
			where = fmt.Sprintf("nor in an approved domain (%s)", strings.Join(p.AllowedDomains, ", "))
		}
		return Errorf(EFORBIDDEN, "to[%d]: %s is not the owner's address (%s), %s", i, a, owner.Email, where)
	}
	return nil
}

// InOrganisation reports whether address belongs to the organisation:
// the address of one of Facteur's accounts (accounts), or in one of the
// account domains of the policy (export_account_domains). Recipients
// outside it never see other recipients' addresses.
func (p Policy) InOrganisation(address string, accounts []string) bool {
	for _, a := range accounts {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(address)) {
			return true
		}
	}
	return inDomains(address, p.AccountDomains)
}

// CheckAlertEmails refuses a schedule's alert address that is neither the
// address of one of Facteur's accounts (accounts) nor in an approved
// domain: alerts obey the rule of e-mail destinations, so that a failure
// is never mailed outside what the administrators allow.
func (p Policy) CheckAlertEmails(accounts, list []string) error {
	for i, a := range list {
		if p.AlertAllowed(a, accounts) {
			continue
		}
		return Errorf(EINVALID, "options.alert_emails[%d]: %s is not the address of a Facteur account, %s; remove it or ask an administrator to approve its domain", i, shorten(a, 254), p.approvedDomains())
	}
	return nil
}

// approvedDomains ends the refusal of an address that is neither an
// account's nor in an approved domain: which domains are.
func (p Policy) approvedDomains() string {
	if len(p.AllowedDomains) > 0 {
		return fmt.Sprintf("nor in an approved domain (%s)", strings.Join(p.AllowedDomains, ", "))
	}
	return "and no domain is approved (an administrator sets allowed_email_domains in Settings → Policy)"
}

// AlertAllowed reports whether an alert may be mailed to address: an
// account's address (accounts) or one in an approved domain.
func (p Policy) AlertAllowed(address string, accounts []string) bool {
	for _, a := range accounts {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(address)) {
			return true
		}
	}
	return inDomains(address, p.AllowedDomains)
}
