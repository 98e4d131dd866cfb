package auth_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/deliver/kinds"
)

func TestPasswords(t *testing.T) {
	auth.Cost = bcrypt.MinCost
	for _, bad := range []string{"", "short", strings.Repeat("é", 11), strings.Repeat("x", 73)} {
		if _, err := auth.HashPassword(bad); facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("HashPassword(%q): %v, want EINVALID", bad, err)
		}
	}
	h, err := auth.HashPassword("twelve chars")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(h, "twelve chars") || auth.CheckPassword(h, "twelve chars ") || auth.CheckPassword("", "") {
		t.Error("CheckPassword accepts the wrong password or an account without one")
	}
	if strings.Contains(h, "twelve") {
		t.Error("the hash contains the password")
	}
}

func TestTokens(t *testing.T) {
	a, ha := auth.NewToken()
	b, hb := auth.NewToken()
	if a == b || string(ha) == string(hb) || !auth.IsToken(a) || len(a) < 40 || string(auth.Hash(a)) != string(ha) {
		t.Errorf("tokens %q %q", a, b)
	}
}

// TestLoginBlocked: five failures within the window block the key until
// the oldest of them leaves the window; older failures do not count.
func TestLoginBlocked(t *testing.T) {
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	var fails []time.Time // newest first
	for i := 0; i < 5; i++ {
		if _, blocked := auth.LoginBlocked(fails, 5, 15*time.Minute, now); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		fails = append([]time.Time{now}, fails...)
		now = now.Add(time.Minute)
	}
	wait, blocked := auth.LoginBlocked(fails, 5, 15*time.Minute, now)
	if !blocked || wait != 10*time.Minute {
		t.Fatalf("after 5 failures: %v %v", wait, blocked)
	}
	if _, blocked := auth.LoginBlocked(fails[:4], 5, 15*time.Minute, now); blocked {
		t.Error("blocked after 4 failures")
	}
	if _, blocked := auth.LoginBlocked(fails, 5, 15*time.Minute, now.Add(10*time.Minute)); blocked {
		t.Error("still blocked once the first failure left the window")
	}
}

func TestRules(t *testing.T) {
	reg := kinds.Builtin()
	user := func(role facteur.Role, id int64) *facteur.User {
		return &facteur.User{ID: id, Email: "u@example.org", Role: role, Active: true}
	}
	for _, tt := range []struct {
		role      facteur.Role
		kind      string
		canTarget bool
	}{
		{facteur.RoleViewer, facteur.DestinationEmail, false},
		{facteur.RoleEditor, facteur.DestinationEmail, true},
		{facteur.RoleEditor, facteur.DestinationSFTP, false},
		{facteur.RoleEditor, facteur.DestinationFolder, false},
		{facteur.RoleFileScheduler, facteur.DestinationS3, true},
		{facteur.RoleFileScheduler, facteur.DestinationWebhook, true},
		{facteur.RoleFileScheduler, facteur.DestinationFolder, false},
		{facteur.RoleAdmin, facteur.DestinationFolder, true},
		{"root", facteur.DestinationEmail, false},
	} {
		if err := auth.CanTarget(reg, user(tt.role, 1), tt.kind); (err == nil) != tt.canTarget {
			t.Errorf("CanTarget(%s, %s) = %v", tt.role, tt.kind, err)
		}
	}
	if auth.CanSee(reg, user(facteur.RoleFileScheduler, 2), 1, facteur.DestinationSFTP) || !auth.CanSee(reg, user(facteur.RoleFileScheduler, 1), 1, facteur.DestinationSFTP) ||
		!auth.CanSee(reg, user(facteur.RoleAdmin, 2), 1, facteur.DestinationWebhook) || !auth.CanSee(reg, user(facteur.RoleViewer, 2), 1, facteur.DestinationEmail) {
		t.Error("CanSee")
	}

	owner := user(facteur.RoleEditor, 1)
	var p facteur.Policy
	if err := p.CheckRecipients(owner, []string{"U@Example.org"}); err != nil {
		t.Errorf("the owner's own address: %v", err)
	}
	if err := p.CheckRecipients(owner, []string{"u@example.org", "x@example.org"}); err == nil || !strings.Contains(err.Error(), "to[1]") {
		t.Errorf("another address without approved domains: %v", err)
	}
	p.AllowedDomains = []string{"Example.org"}
	if err := p.CheckRecipients(owner, []string{"x@example.org"}); err != nil {
		t.Errorf("an approved domain: %v", err)
	}
	if err := p.CheckRecipients(owner, []string{"x@sub.example.org", "x@example.org.evil"}); err == nil {
		t.Error("a sub-domain or a look-alike is approved")
	}

	if err := p.CheckExporter(owner); err != nil {
		t.Errorf("an editor may export: %v", err)
	}
	for name, tweak := range map[string]func(*facteur.Policy, *facteur.User){
		"viewer":       func(_ *facteur.Policy, u *facteur.User) { u.Role = facteur.RoleViewer },
		"deactivated":  func(_ *facteur.Policy, u *facteur.User) { u.Active = false },
		"switched off": func(p *facteur.Policy, _ *facteur.User) { p.ExportDisabled = true },
		"other domain": func(p *facteur.Policy, _ *facteur.User) { p.AccountDomains = []string{"partner.example"} },
	} {
		p, u := p, *owner
		tweak(&p, &u)
		if err := p.CheckExporter(&u); facteur.ErrorCode(err) != facteur.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", name, err)
		}
	}
}
