package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/kinds"
)

// user records an active account.
func user(t *testing.T, ctx context.Context, s facteur.Store, email string, role facteur.Role) *facteur.User {
	t.Helper()
	u := &facteur.User{Email: email, Name: email, Role: role, Active: true, PasswordHash: "$argon2id$x"}
	must(t, s.CreateUser(ctx, u))
	return u
}

// hash returns the SHA-256 of a secret, as tokens and sessions are kept.
func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func testUsers(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	before := time.Now()
	ada := &facteur.User{Email: " Ada.Lovelace@Example.ORG ", Name: "Ada", Role: facteur.RoleEditor, Active: true}
	must(t, s.CreateUser(ctx, ada))
	if ada.ID == 0 || ada.Email != "ada.lovelace@example.org" {
		t.Fatalf("created user: id %d email %q, want an id and the address in lower case", ada.ID, ada.Email)
	}
	checkStamps(t, before, ada.CreatedAt, ada.UpdatedAt)
	got, err := s.User(ctx, ada.ID)
	must(t, err)
	if !reflect.DeepEqual(got, ada) || got.PasswordHash != "" {
		t.Fatalf("User = %s\nwant %s (no password yet)", js(got), js(ada))
	}
	got, err = s.UserByEmail(ctx, "ADA.LOVELACE@EXAMPLE.ORG")
	must(t, err)
	if got.ID != ada.ID {
		t.Fatalf("UserByEmail in upper case = %s", js(got))
	}

	err = s.CreateUser(ctx, &facteur.User{Email: "ada.LOVELACE@example.org", Role: facteur.RoleViewer})
	wantCode(t, err, facteur.ECONFLICT)
	if msg := facteur.ErrorMessage(err); !strings.Contains(msg, "ada.lovelace@example.org") {
		t.Errorf("duplicate address: message %q does not name it", msg)
	}
	for _, bad := range []*facteur.User{
		{Email: "not an address", Role: facteur.RoleViewer},
		{Email: "Ada <ada@example.org>", Role: facteur.RoleViewer},
		{Email: "", Role: facteur.RoleViewer},
		{Email: "bob@example.org", Role: "root"},
		{Email: "bob@example.org"},
	} {
		wantCode(t, s.CreateUser(ctx, bad), facteur.EINVALID)
	}

	bob := user(t, ctx, s, "bob@example.org", facteur.RoleViewer)
	time.Sleep(2 * time.Millisecond) // so that UpdatedAt moves
	login := ts(t, "2025-04-01T09:30:00.0000019+02:00")
	ada.Email, ada.Name, ada.Role = "Ada@Example.org", "Ada L.", facteur.RoleFileScheduler
	ada.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
	must(t, s.UpdateUser(ctx, ada))
	must(t, s.TouchLogin(ctx, ada.ID, login))
	ada.LastLoginAt = &login
	if got, err := s.User(ctx, ada.ID); err == nil {
		ada.LastLoginAt = got.LastLoginAt
	}
	if ada.Email != "ada@example.org" || !ada.UpdatedAt.After(ada.CreatedAt) {
		t.Fatalf("updated user: email %q, created %v updated %v", ada.Email, ada.CreatedAt, ada.UpdatedAt)
	}
	if want := time.Date(2025, 4, 1, 7, 30, 0, 1000, time.UTC); *ada.LastLoginAt != want {
		t.Errorf("LastLoginAt = %v, want %v", ada.LastLoginAt, want)
	}
	got, err = s.UserByEmail(ctx, "ada@example.org")
	must(t, err)
	if !reflect.DeepEqual(got, ada) {
		t.Fatalf("updated User = %s\nwant %s", js(got), js(ada))
	}
	_, err = s.UserByEmail(ctx, "ada.lovelace@example.org")
	wantCode(t, err, facteur.ENOTFOUND)

	// Deactivated, never deleted.
	bob.Active = false
	must(t, s.UpdateUser(ctx, bob))
	got, err = s.User(ctx, bob.ID)
	must(t, err)
	if got.Active || got.PasswordHash != bob.PasswordHash {
		t.Fatalf("deactivated user = %s", js(got))
	}

	taken := *bob
	taken.Email = "ADA@example.org"
	wantCode(t, s.UpdateUser(ctx, &taken), facteur.ECONFLICT)
	taken.Email, taken.Role = "bob@example.org", "superuser"
	wantCode(t, s.UpdateUser(ctx, &taken), facteur.EINVALID)
	missing := *bob
	missing.ID = 9999
	wantCode(t, s.UpdateUser(ctx, &missing), facteur.ENOTFOUND)
	_, err = s.User(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
	_, err = s.UserByEmail(ctx, "nobody@example.org")
	wantCode(t, err, facteur.ENOTFOUND)
	_, err = s.UserByEmail(ctx, "not an address")
	wantCode(t, err, facteur.ENOTFOUND)

	list, err := s.Users(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != ada.ID || list[1].ID != bob.ID || list[1].Active {
		t.Fatalf("Users = %s", js(list))
	}
}

func testTokens(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	ada := user(t, ctx, s, "ada@example.org", facteur.RoleEditor)
	bob := user(t, ctx, s, "bob@example.org", facteur.RoleEditor)

	// An expired token is still found: the caller checks ExpiresAt.
	expires := ts(t, "2020-01-01T00:00:00.0000005Z")
	tok := &facteur.Token{UserID: ada.ID, Name: "CI", Prefix: "fct_a1b2", Hash: hash("fct_a1b2c3"), ExpiresAt: &expires}
	before := time.Now()
	must(t, s.CreateToken(ctx, tok))
	if tok.ID == 0 {
		t.Fatal("created token has no id")
	}
	checkStamps(t, before, tok.CreatedAt, tok.CreatedAt)
	got, err := s.TokenByHash(ctx, hash("fct_a1b2c3"))
	must(t, err)
	if !reflect.DeepEqual(got, tok) || got.ExpiresAt.Nanosecond() != 0 {
		t.Fatalf("TokenByHash = %s\nwant %s", js(got), js(tok))
	}
	second := &facteur.Token{UserID: ada.ID, Name: "laptop", Prefix: "fct_d4e5", Hash: hash("fct_d4e5f6")}
	must(t, s.CreateToken(ctx, second))
	bobs := &facteur.Token{UserID: bob.ID, Name: "CI", Prefix: "fct_g7h8", Hash: hash("fct_g7h8i9")}
	must(t, s.CreateToken(ctx, bobs))

	used := ts(t, "2025-05-06T07:08:09.0000101+02:00")
	must(t, s.TouchToken(ctx, second.ID, used))
	got, err = s.TokenByHash(ctx, second.Hash)
	must(t, err)
	if want := time.Date(2025, 5, 6, 5, 8, 9, 10000, time.UTC); got.LastUsedAt == nil || *got.LastUsedAt != want {
		t.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, want)
	}
	wantCode(t, s.TouchToken(ctx, 9999, used), facteur.ENOTFOUND)

	list, err := s.Tokens(ctx, ada.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != tok.ID || list[1].ID != second.ID {
		t.Fatalf("Tokens(ada) = %s", js(list))
	}

	// A user deletes only their own tokens.
	wantCode(t, s.DeleteToken(ctx, bob.ID, tok.ID), facteur.ENOTFOUND)
	if _, err := s.TokenByHash(ctx, tok.Hash); err != nil {
		t.Fatalf("token after another user tried to delete it: %v", err)
	}
	must(t, s.DeleteToken(ctx, ada.ID, tok.ID))
	_, err = s.TokenByHash(ctx, tok.Hash)
	wantCode(t, err, facteur.ENOTFOUND)
	wantCode(t, s.DeleteToken(ctx, ada.ID, tok.ID), facteur.ENOTFOUND)
	list, err = s.Tokens(ctx, bob.ID)
	must(t, err)
	if len(list) != 1 || list[0].ID != bobs.ID {
		t.Fatalf("Tokens(bob) = %s", js(list))
	}

	for _, bad := range []*facteur.Token{
		{UserID: ada.ID, Name: " ", Prefix: "p", Hash: hash("x1")},
		{UserID: ada.ID, Name: "n", Hash: hash("x2")},
		{UserID: ada.ID, Name: "n", Prefix: "p"},
		{Name: "n", Prefix: "p", Hash: hash("x3")},
		{UserID: 9999, Name: "n", Prefix: "p", Hash: hash("x4")},
	} {
		wantCode(t, s.CreateToken(ctx, bad), facteur.EINVALID)
	}
}

func testSessions(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	ada := user(t, ctx, s, "ada@example.org", facteur.RoleEditor)
	bob := user(t, ctx, s, "bob@example.org", facteur.RoleViewer)
	later := time.Now().Add(time.Hour)

	sess := &facteur.Session{Hash: hash("cookie-1"), UserID: ada.ID, CSRF: "csrf-1", Address: "192.0.2.7", ExpiresAt: later}
	before := time.Now()
	must(t, s.CreateSession(ctx, sess))
	checkStamps(t, before, sess.CreatedAt, sess.CreatedAt)
	got, err := s.Session(ctx, hash("cookie-1"))
	must(t, err)
	if !reflect.DeepEqual(got, sess) {
		t.Fatalf("Session = %+v\nwant %+v", got, sess)
	}
	// A creation time the caller gives is kept.
	created := ts(t, "2025-01-02T03:04:05.0000067Z")
	other := &facteur.Session{Hash: hash("cookie-2"), UserID: ada.ID, CSRF: "csrf-2", CreatedAt: created, ExpiresAt: later}
	must(t, s.CreateSession(ctx, other))
	got, err = s.Session(ctx, other.Hash)
	must(t, err)
	if want := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC); got.CreatedAt != want {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want)
	}
	bobs := &facteur.Session{Hash: hash("cookie-3"), UserID: bob.ID, CSRF: "csrf-3", ExpiresAt: later}
	must(t, s.CreateSession(ctx, bobs))

	expired := &facteur.Session{Hash: hash("cookie-old"), UserID: bob.ID, CSRF: "c", ExpiresAt: time.Now().Add(-time.Second)}
	must(t, s.CreateSession(ctx, expired))
	_, err = s.Session(ctx, expired.Hash)
	wantCode(t, err, facteur.ENOTFOUND)
	_, err = s.Session(ctx, hash("never"))
	wantCode(t, err, facteur.ENOTFOUND)

	must(t, s.DeleteSession(ctx, sess.Hash))
	_, err = s.Session(ctx, sess.Hash)
	wantCode(t, err, facteur.ENOTFOUND)
	must(t, s.DeleteSession(ctx, sess.Hash)) // logging out twice

	// Ending every session of an account leaves the others'.
	third := &facteur.Session{Hash: hash("cookie-4"), UserID: ada.ID, CSRF: "csrf-4", ExpiresAt: later}
	must(t, s.CreateSession(ctx, third))
	must(t, s.DeleteSessions(ctx, ada.ID))
	for _, h := range [][]byte{other.Hash, third.Hash} {
		_, err = s.Session(ctx, h)
		wantCode(t, err, facteur.ENOTFOUND)
	}
	if _, err := s.Session(ctx, bobs.Hash); err != nil {
		t.Fatalf("another account's session after DeleteSessions: %v", err)
	}

	for _, bad := range []*facteur.Session{
		{UserID: ada.ID, CSRF: "c", ExpiresAt: later},
		{Hash: hash("x1"), CSRF: "c", ExpiresAt: later},
		{Hash: hash("x2"), UserID: ada.ID, CSRF: "c"},
		{Hash: hash("x3"), UserID: 9999, CSRF: "c", ExpiresAt: later},
	} {
		wantCode(t, s.CreateSession(ctx, bad), facteur.EINVALID)
	}
}

func testAudit(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	t0 := ts(t, "2025-06-01T10:00:00.0000009+02:00") // 08:00:00.000000 UTC
	// id order: 1 ada schedule.create t0, 2 ada schedule.update t0+1h,
	// 3 bob run.download t0+2h, 4 system schedules.purge t0+3h,
	// 5 bob login.failed t0+4h, 6 ada schedule.delete t0+5h
	specs := []struct {
		actor  int64
		action string
	}{
		{1, "schedule.create"}, {1, "schedule.update"}, {2, "run.download"},
		{0, "schedules.purge"}, {2, "login.failed"}, {1, "schedule.delete"},
	}
	ids := make([]int64, len(specs))
	for i, sp := range specs {
		e := &facteur.AuditEntry{
			At: t0.Add(time.Duration(i) * time.Hour), ActorID: sp.actor, Actor: fmt.Sprintf("user%d@example.org", sp.actor),
			Action: sp.action, Object: "schedule", ObjectID: int64(10 + i), Address: "198.51.100.4", Detail: "é ✓",
		}
		if i == 4 { // bob's failed login
			e.Address, e.Detail = "2001:db8::7", "user2@example.org"
		}
		must(t, s.AppendAudit(ctx, e))
		if e.ID == 0 || e.At.Location() != time.UTC || e.At.Nanosecond()%1000 != 0 {
			t.Fatalf("appended entry: id %d at %v, want an id and UTC to the µs", e.ID, e.At)
		}
		ids[i] = e.ID
	}
	id := func(n ...int) []int64 {
		out := []int64{}
		for _, i := range n {
			out = append(out, ids[i-1])
		}
		return out
	}
	auditIDs := func(list []*facteur.AuditEntry) []int64 {
		out := []int64{}
		for _, e := range list {
			out = append(out, e.ID)
		}
		return out
	}

	all, err := s.Audit(ctx, facteur.AuditFilter{})
	must(t, err)
	want := &facteur.AuditEntry{
		ID: ids[0], At: time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC), ActorID: 1, Actor: "user1@example.org",
		Action: "schedule.create", Object: "schedule", ObjectID: 10, Address: "198.51.100.4", Detail: "é ✓",
	}
	if len(all) != 6 || !reflect.DeepEqual(all[5], want) {
		t.Fatalf("Audit = %s\nwant 6 entries, the oldest %s", js(all), js(want))
	}

	for _, c := range []struct {
		name string
		f    facteur.AuditFilter
		want []int64
	}{
		{"all", facteur.AuditFilter{}, id(6, 5, 4, 3, 2, 1)},
		{"since", facteur.AuditFilter{Since: t0.Add(3 * time.Hour)}, id(6, 5, 4)},
		{"until", facteur.AuditFilter{Until: t0.Add(2 * time.Hour)}, id(2, 1)},
		{"since and until", facteur.AuditFilter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, id(3, 2)},
		{"actor", facteur.AuditFilter{ActorID: 2}, id(5, 3)},
		{"action", facteur.AuditFilter{Action: "schedule.update"}, id(2)},
		{"action is exact", facteur.AuditFilter{Action: "schedule"}, id()},
		{"action prefix", facteur.AuditFilter{Action: "schedule."}, id(6, 2, 1)},
		{"action prefix and actor", facteur.AuditFilter{Action: "login.", ActorID: 2}, id(5)},
		{"limit", facteur.AuditFilter{Limit: 2}, id(6, 5)},
		{"page 2", facteur.AuditFilter{Limit: 2, BeforeID: ids[4]}, id(4, 3)},
		{"page 3", facteur.AuditFilter{Limit: 2, BeforeID: ids[2]}, id(2, 1)},
		{"past the end", facteur.AuditFilter{Limit: 2, BeforeID: ids[0]}, id()},
		{"prefix, paged", facteur.AuditFilter{Action: "schedule.", Limit: 1, BeforeID: ids[5]}, id(2)},
		{"detail", facteur.AuditFilter{Detail: "user2@example.org"}, id(5)},
		{"detail is exact", facteur.AuditFilter{Detail: "user2"}, id()},
		{"address", facteur.AuditFilter{Address: "198.51.100.4"}, id(6, 4, 3, 2, 1)},
		{"failed logins from an address since", facteur.AuditFilter{Action: "login.failed", Address: "2001:db8::7", Since: t0.Add(4 * time.Hour)}, id(5)},
	} {
		got, err := s.Audit(ctx, c.f)
		must(t, err)
		if !reflect.DeepEqual(auditIDs(got), c.want) {
			t.Errorf("%s: Audit(%+v) = %v, want %v", c.name, c.f, auditIDs(got), c.want)
		}
	}

	// A zero At is now; an empty action is refused.
	before := time.Now()
	stamped := &facteur.AuditEntry{Action: "settings.update"}
	must(t, s.AppendAudit(ctx, stamped))
	checkStamps(t, before, stamped.At, stamped.At)
	wantCode(t, s.AppendAudit(ctx, &facteur.AuditEntry{Actor: "x"}), facteur.EINVALID)

	// The default limit is 100.
	must(t, s.InTx(ctx, func(tx facteur.Store, _ any) error {
		for range 120 {
			if err := tx.AppendAudit(ctx, &facteur.AuditEntry{Action: "run.download"}); err != nil {
				return err
			}
		}
		return nil
	}))
	for _, c := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {500, 127}} {
		got, err := s.Audit(ctx, facteur.AuditFilter{Limit: c.limit})
		must(t, err)
		if len(got) != c.want {
			t.Errorf("Audit(Limit %d) returned %d entries, want %d", c.limit, len(got), c.want)
		}
	}
}

// testOwners checks that every object keeps the owner it was created with,
// whatever an update says, and that orphans are adopted.
func testOwners(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	ada := user(t, ctx, s, "ada@example.org", facteur.RoleAdmin)
	bob := user(t, ctx, s, "bob@example.org", facteur.RoleEditor)

	// Made before accounts existed: no owner.
	old := seed(t, ctx, s)
	oldSchedule := old.schedule(t, ctx, s, "Old", nil)
	oldRun := &facteur.Run{ScheduleID: oldSchedule.ID, ReportID: old.rep.ID, DestinationID: old.dst.ID, Trigger: facteur.TriggerManual}
	must(t, s.CreateRun(ctx, oldRun))

	src := &facteur.Source{Name: "crm", DSN: "sqlite:/crm.db", OwnerID: bob.ID}
	must(t, s.CreateSource(ctx, src))
	rep := &facteur.Report{Name: "tickets", SourceID: src.ID, Table: "tickets", OwnerID: bob.ID}
	must(t, s.CreateReport(ctx, rep))
	dst := &facteur.Destination{Name: "mail", Kind: facteur.DestinationEmail, OwnerID: bob.ID}
	must(t, s.CreateDestination(ctx, dst))
	sc := &facteur.Schedule{
		Name: "Daily", ReportID: rep.ID, DestinationID: dst.ID, OwnerID: bob.ID,
		Calendar: facteur.Calendar{Frequency: facteur.Daily},
	}
	must(t, s.CreateSchedule(ctx, sc))
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: rep.ID, DestinationID: dst.ID, Trigger: facteur.TriggerManual,
		OwnerID: bob.ID, RequestedBy: ada.ID}
	must(t, s.CreateRun(ctx, run))

	owners := func() map[string][2]int64 {
		t.Helper()
		gs, err := s.Source(ctx, src.ID)
		must(t, err)
		gr, err := s.Report(ctx, rep.ID)
		must(t, err)
		gd, err := s.Destination(ctx, dst.ID)
		must(t, err)
		gsc, err := s.Schedule(ctx, sc.ID)
		must(t, err)
		grun, err := s.Run(ctx, run.ID)
		must(t, err)
		oSrc, err := s.Source(ctx, old.src.ID)
		must(t, err)
		oRep, err := s.Report(ctx, old.rep.ID)
		must(t, err)
		oDst, err := s.Destination(ctx, old.dst.ID)
		must(t, err)
		oSc, err := s.Schedule(ctx, oldSchedule.ID)
		must(t, err)
		oRun, err := s.Run(ctx, oldRun.ID)
		must(t, err)
		if grun.RequestedBy != ada.ID || oRun.RequestedBy != 0 {
			t.Errorf("RequestedBy = %d and %d, want %d and 0", grun.RequestedBy, oRun.RequestedBy, ada.ID)
		}
		// [owned, orphan]
		return map[string][2]int64{
			"source":      {gs.OwnerID, oSrc.OwnerID},
			"report":      {gr.OwnerID, oRep.OwnerID},
			"destination": {gd.OwnerID, oDst.OwnerID},
			"schedule":    {gsc.OwnerID, oSc.OwnerID},
			"run":         {grun.OwnerID, oRun.OwnerID},
		}
	}
	check := func(when string, wantOrphan int64) {
		t.Helper()
		for kind, got := range owners() {
			if got != [2]int64{bob.ID, wantOrphan} {
				t.Errorf("%s: %s owners (owned, orphan) = %v, want [%d %d]", when, kind, got, bob.ID, wantOrphan)
			}
		}
	}
	check("created", 0)

	// Updates never change the owner, and give back the stored one.
	src.OwnerID, rep.OwnerID, dst.OwnerID, sc.OwnerID = ada.ID, ada.ID, ada.ID, ada.ID
	must(t, s.UpdateSource(ctx, src))
	must(t, s.UpdateReport(ctx, rep))
	must(t, s.UpdateDestination(ctx, dst))
	must(t, s.UpdateSchedule(ctx, sc))
	run.OwnerID, run.RequestedBy, run.Status = ada.ID, bob.ID, facteur.RunSucceeded
	must(t, s.UpdateRun(ctx, run))
	for kind, got := range map[string]int64{"source": src.OwnerID, "report": rep.OwnerID, "destination": dst.OwnerID,
		"schedule": sc.OwnerID, "run": run.OwnerID} {
		if got != bob.ID {
			t.Errorf("updated %s: OwnerID = %d, want the stored %d", kind, got, bob.ID)
		}
	}
	if run.RequestedBy != ada.ID {
		t.Errorf("updated run: RequestedBy = %d, want the stored %d", run.RequestedBy, ada.ID)
	}
	check("updated", 0)

	// A handover is the one way a schedule changes owner.
	must(t, s.TransferSchedule(ctx, sc.ID, ada.ID))
	if got, err := s.Schedule(ctx, sc.ID); err != nil || got.OwnerID != ada.ID {
		t.Errorf("schedule after TransferSchedule: %+v %v, want owner %d", got, err, ada.ID)
	}
	wantCode(t, s.TransferSchedule(ctx, 9999, ada.ID), facteur.ENOTFOUND)
	must(t, s.TransferSchedule(ctx, sc.ID, bob.ID))

	wantCode(t, s.AdoptOrphans(ctx, 9999), facteur.ENOTFOUND)
	check("adopted by nobody", 0)
	must(t, s.AdoptOrphans(ctx, ada.ID))
	check("adopted", ada.ID)
	list, err := s.Runs(ctx, facteur.RunFilter{})
	must(t, err)
	for _, r := range list {
		if r.OwnerID == 0 {
			t.Errorf("run %d has no owner after AdoptOrphans", r.ID)
		}
	}
}

// testRunsVisibleTo checks that the history hides the runs of others to
// file storage and to deleted destinations: the store is told which kinds
// are shared, and keeps no list of its own.
func testRunsVisibleTo(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	shared := kinds.Builtin().Shared() // the kinds registered as not file storage
	me := user(t, ctx, s, "me@example.org", facteur.RoleFileScheduler)
	other := user(t, ctx, s, "other@example.org", facteur.RoleFileScheduler)
	dest := map[string]*facteur.Destination{}
	for _, kind := range []string{facteur.DestinationSFTP, facteur.DestinationS3, facteur.DestinationWebhook,
		facteur.DestinationFolder, facteur.DestinationEmail, "gone"} {
		d := &facteur.Destination{Name: kind, Kind: kind, Config: json.RawMessage(`{}`), OwnerID: other.ID}
		if kind == "gone" {
			d.Kind = facteur.DestinationFolder
		}
		must(t, s.CreateDestination(ctx, d))
		dest[kind] = d
	}
	// id order: 1 sftp other, 2 sftp me, 3 s3 other, 4 webhook other, 5 folder other,
	// 6 email other, 7 gone other, 8 gone me, 9 webhook other requested by me
	specs := []struct {
		kind      string
		owner     int64
		requester int64
	}{
		{facteur.DestinationSFTP, other.ID, 0}, {facteur.DestinationSFTP, me.ID, 0},
		{facteur.DestinationS3, other.ID, 0}, {facteur.DestinationWebhook, other.ID, 0},
		{facteur.DestinationFolder, other.ID, 0}, {facteur.DestinationEmail, other.ID, 0},
		{"gone", other.ID, 0}, {"gone", me.ID, 0}, {facteur.DestinationWebhook, other.ID, me.ID},
	}
	ids := make([]int64, len(specs))
	for i, sp := range specs {
		r := &facteur.Run{ReportID: 1, DestinationID: dest[sp.kind].ID, Trigger: facteur.TriggerManual,
			OwnerID: sp.owner, RequestedBy: sp.requester, Status: facteur.RunSucceeded}
		must(t, s.CreateRun(ctx, r))
		ids[i] = r.ID
	}
	must(t, s.DeleteDestination(ctx, dest["gone"].ID))
	id := func(n ...int) []int64 {
		out := []int64{}
		for _, i := range n {
			out = append(out, ids[i-1])
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    facteur.RunFilter
		want []int64
	}{
		{"everyone's", facteur.RunFilter{}, id(9, 8, 7, 6, 5, 4, 3, 2, 1)},
		{"visible to me", facteur.RunFilter{VisibleTo: me.ID, SharedKinds: shared}, id(8, 6, 5, 2)},
		{"visible to the other", facteur.RunFilter{VisibleTo: other.ID, SharedKinds: shared}, id(9, 7, 6, 5, 4, 3, 1)},
		{"visible to a third", facteur.RunFilter{VisibleTo: 9999, SharedKinds: shared}, id(6, 5)},
		{"visible to me, paged", facteur.RunFilter{VisibleTo: me.ID, SharedKinds: shared, Limit: 2, BeforeID: ids[5]}, id(5, 2)},
		{"visible to me, no shared kinds", facteur.RunFilter{VisibleTo: me.ID}, id(8, 2)},
		{"visible to me, succeeded", facteur.RunFilter{VisibleTo: me.ID, SharedKinds: shared, Status: facteur.RunSucceeded, Limit: 1}, id(8)},
	} {
		got, err := s.Runs(ctx, c.f)
		must(t, err)
		if !reflect.DeepEqual(runIDs(got), c.want) {
			t.Errorf("%s: Runs(%+v) = %v, want %v", c.name, c.f, runIDs(got), c.want)
		}
	}
}
