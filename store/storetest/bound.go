package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/facteur/facteur"
)

// testWithTx: calls of the DB made with a context bound by WithTx, and
// InTx inside it, commit together or not at all.
func testWithTx(t *testing.T, newDB NewDatabase) {
	ctx, db := testContext(t), Open(t, newDB(t))
	count := func() int {
		t.Helper()
		list, err := db.Audit(ctx, facteur.AuditFilter{Action: "report.create"})
		must(t, err)
		return len(list)
	}
	src := &facteur.Source{Name: "crm", DSN: "sqlite:/crm.db"}
	must(t, db.CreateSource(ctx, src))

	// A change, a nested transaction and the audit entry roll back together.
	var rep facteur.Report
	boom := errors.New("boom")
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := db.Sources(ctx); err != nil { // a read before any write
			return err
		}
		rep = facteur.Report{Name: "r", SourceID: src.ID, SQL: "SELECT 1", Fields: []facteur.Field{{Name: "x"}}}
		if err := db.CreateReport(ctx, &rep); err != nil {
			return err
		}
		if err := db.InTx(ctx, func(tx facteur.Store, _ any) error {
			// The nested transaction sees the outer one's write.
			_, err := tx.Report(ctx, rep.ID)
			return err
		}); err != nil {
			return err
		}
		if err := db.AppendAudit(ctx, &facteur.AuditEntry{Action: "report.create", ObjectID: rep.ID}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx = %v, want fn's error", err)
	}
	if _, err := db.Report(ctx, rep.ID); facteur.ErrorCode(err) != facteur.ENOTFOUND || count() != 0 {
		t.Fatalf("after a rollback: report %v, %d audit entries; want neither", err, count())
	}

	// They commit together.
	must(t, db.WithTx(ctx, func(ctx context.Context) error {
		rep = facteur.Report{Name: "r", SourceID: src.ID, SQL: "SELECT 1", Fields: []facteur.Field{{Name: "x"}}}
		if err := db.CreateReport(ctx, &rep); err != nil {
			return err
		}
		return db.AppendAudit(ctx, &facteur.AuditEntry{Action: "report.create", ObjectID: rep.ID})
	}))
	if _, err := db.Report(ctx, rep.ID); err != nil || count() != 1 {
		t.Fatalf("after a commit: report %v, %d audit entries; want both", err, count())
	}

	// A panic rolls back, and the store stays usable.
	func() {
		defer func() { _ = recover() }()
		_ = db.WithTx(ctx, func(ctx context.Context) error {
			must(t, db.AppendAudit(ctx, &facteur.AuditEntry{Action: "report.create"}))
			panic("boom")
		})
	}()
	if count() != 1 {
		t.Fatalf("after a panic: %d audit entries, want 1", count())
	}
}
