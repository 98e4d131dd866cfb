package storetest

import (
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testStaleUpdate: a step that read an object, changed it and writes it
// back after someone else changed it fails with ECONFLICT, and the other
// change stays: for users, sources, reports, destinations and schedules.
func testStaleUpdate(t *testing.T, newDB NewDatabase) {
	ctx := testContext(t)
	s := Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "nightly", nil)
	u := &facteur.User{Email: "ana@example.org", Role: facteur.RoleEditor, Active: true}
	must(t, s.CreateUser(ctx, u))

	for _, c := range []struct {
		what string
		// read returns two copies of the object, change one (the
		// acknowledged change) and write the other back (the stale step),
		// check whether the acknowledged change is stored.
		read  func() (a, b any)
		win   func(a any) error
		stale func(b any) error
		kept  func() bool
	}{
		{"user",
			func() (any, any) { a, _ := s.User(ctx, u.ID); b, _ := s.User(ctx, u.ID); return a, b },
			func(a any) error {
				x := a.(*facteur.User)
				x.Active, x.Role = false, facteur.RoleViewer
				return s.UpdateUser(ctx, x)
			},
			func(b any) error { x := b.(*facteur.User); x.Name = "Ana"; return s.UpdateUser(ctx, x) },
			func() bool { x, _ := s.User(ctx, u.ID); return !x.Active && x.Role == facteur.RoleViewer }},
		{"source",
			func() (any, any) { a, _ := s.Source(ctx, f.src.ID); b, _ := s.Source(ctx, f.src.ID); return a, b },
			func(a any) error {
				x := a.(*facteur.Source)
				x.DSN = "postgres://reader:new@db.example:5432/crm"
				return s.UpdateSource(ctx, x)
			},
			func(b any) error { x := b.(*facteur.Source); x.Name = "CRM"; return s.UpdateSource(ctx, x) },
			func() bool {
				x, _ := s.Source(ctx, f.src.ID)
				return x.DSN == "postgres://reader:new@db.example:5432/crm"
			}},
		{"report",
			func() (any, any) { a, _ := s.Report(ctx, f.rep.ID); b, _ := s.Report(ctx, f.rep.ID); return a, b },
			func(a any) error {
				x := a.(*facteur.Report)
				x.SQL = "SELECT id FROM tickets"
				return s.UpdateReport(ctx, x)
			},
			func(b any) error { x := b.(*facteur.Report); x.Name = "all tickets"; return s.UpdateReport(ctx, x) },
			func() bool { x, _ := s.Report(ctx, f.rep.ID); return x.SQL == "SELECT id FROM tickets" }},
		{"destination",
			func() (any, any) {
				a, _ := s.Destination(ctx, f.dst.ID)
				b, _ := s.Destination(ctx, f.dst.ID)
				return a, b
			},
			func(a any) error {
				x := a.(*facteur.Destination)
				x.Config = []byte(`{"path":"/srv/new"}`)
				return s.UpdateDestination(ctx, x)
			},
			func(b any) error { x := b.(*facteur.Destination); x.Name = "Drop"; return s.UpdateDestination(ctx, x) },
			func() bool { x, _ := s.Destination(ctx, f.dst.ID); return string(x.Config) == `{"path":"/srv/new"}` }},
		{"schedule",
			func() (any, any) { a, _ := s.Schedule(ctx, sc.ID); b, _ := s.Schedule(ctx, sc.ID); return a, b },
			func(a any) error { x := a.(*facteur.Schedule); x.Enabled = false; return s.UpdateSchedule(ctx, x) },
			func(b any) error {
				x := b.(*facteur.Schedule)
				x.Name = "nightly export"
				return s.UpdateSchedule(ctx, x)
			},
			func() bool { x, _ := s.Schedule(ctx, sc.ID); return !x.Enabled }},
	} {
		a, b := c.read()
		must(t, c.win(a))
		wantCode(t, c.stale(b), facteur.ECONFLICT)
		if !c.kept() {
			t.Errorf("%s: the acknowledged change was overwritten by a stale copy", c.what)
		}
		// A copy read again writes.
		a, _ = c.read()
		must(t, c.stale(a))
	}

	// Two updates of one copy in a row both land: each sets the version the
	// next one checks, even within one microsecond.
	x, err := s.User(ctx, u.ID)
	must(t, err)
	for range 3 {
		x.Name += "!"
		must(t, s.UpdateUser(ctx, x))
	}
	// A missing object is still not found.
	gone := *x
	gone.ID = 1 << 40
	wantCode(t, s.UpdateUser(ctx, &gone), facteur.ENOTFOUND)
}

// testTouchLogin: recording a login changes only the last login: an
// administrator's deactivation made after the account was read stays.
func testTouchLogin(t *testing.T, newDB NewDatabase) {
	ctx := testContext(t)
	s := Open(t, newDB(t))
	u := &facteur.User{Email: "ana@example.org", Role: facteur.RoleEditor, Active: true, PasswordHash: "x"}
	must(t, s.CreateUser(ctx, u))
	read, err := s.User(ctx, u.ID) // the login reads the account, checks the password…
	must(t, err)
	admin, err := s.User(ctx, u.ID) // …while an administrator deactivates it
	must(t, err)
	admin.Active, admin.Role = false, facteur.RoleViewer
	must(t, s.UpdateUser(ctx, admin))
	at := time.Now().UTC().Truncate(time.Microsecond)
	must(t, s.TouchLogin(ctx, read.ID, at))
	got, err := s.User(ctx, u.ID)
	must(t, err)
	if got.Active || got.Role != facteur.RoleViewer {
		t.Fatalf("after the login the account is active=%v %s, want the administrator's inactive viewer", got.Active, got.Role)
	}
	if got.LastLoginAt == nil || !got.LastLoginAt.Equal(at) {
		t.Fatalf("last login = %v, want %v", got.LastLoginAt, at)
	}
	wantCode(t, s.TouchLogin(ctx, 1<<40, at), facteur.ENOTFOUND)
}
