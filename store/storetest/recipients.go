package storetest

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// testMailRecipients: a run's recipients are recorded one row per
// (purpose, address), a sent recipient stays sent, replies are bounded,
// and a missing run is ENOTFOUND.
func testMailRecipients(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	run := &facteur.Run{ReportID: 1, DestinationID: 1, Trigger: facteur.TriggerManual}
	must(t, s.CreateRun(ctx, run))
	none, err := s.MailRecipients(ctx, run.ID)
	must(t, err)
	if none == nil || len(none) != 0 {
		t.Fatalf("recipients of a new run = %#v, want []", none)
	}
	set := func(purpose, addr string, state facteur.MailState, reply string) {
		t.Helper()
		must(t, s.SetMailRecipient(ctx, &facteur.MailRecipient{RunID: run.ID, Purpose: purpose, Address: addr,
			State: state, Reply: reply, MessageID: "<run-1." + addr + "@facteur.test>"}))
	}
	set(facteur.MailAlert, "ops@example.org", facteur.MailQueued, "")
	set(facteur.MailDelivery, "a@example.org", facteur.MailQueued, "")
	set(facteur.MailDelivery, "b@example.org", facteur.MailQueued, "")
	set(facteur.MailDelivery, "a@example.org", facteur.MailSent, "250 2.0.0 Ok: queued as 4F2A9")
	set(facteur.MailDelivery, "a@example.org", facteur.MailQueued, "") // a resumed attempt: a stays sent
	set(facteur.MailDelivery, "a@example.org", facteur.MailFailed, "550 no")
	set(facteur.MailDelivery, "b@example.org", facteur.MailFailed, "550 5.1.1 unknown user")
	set(facteur.MailAlert, "ops@example.org", facteur.MailFailed, strings.Repeat("é", 1000))

	got, err := s.MailRecipients(ctx, run.ID)
	must(t, err)
	want := []struct {
		purpose, addr string
		state         facteur.MailState
		reply         string
	}{
		{facteur.MailDelivery, "a@example.org", facteur.MailSent, "250 2.0.0 Ok: queued as 4F2A9"},
		{facteur.MailDelivery, "b@example.org", facteur.MailFailed, "550 5.1.1 unknown user"},
		{facteur.MailAlert, "ops@example.org", facteur.MailFailed, strings.Repeat("é", facteur.MaxMailReply/2)},
	}
	if len(got) != len(want) {
		t.Fatalf("recipients = %s, want %d", js(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Purpose != w.purpose || g.Address != w.addr || g.State != w.state || g.Reply != w.reply ||
			g.MessageID != "<run-1."+w.addr+"@facteur.test>" || g.UpdatedAt.IsZero() {
			t.Errorf("recipient %d = %+v, want %s %s %s %q", i, g, w.purpose, w.addr, w.state, w.reply)
		}
	}
	wantCode(t, s.SetMailRecipient(ctx, &facteur.MailRecipient{RunID: 9999, Purpose: facteur.MailAlert,
		Address: "x@example.org", State: facteur.MailQueued}), facteur.ENOTFOUND)
	wantCode(t, s.SetMailRecipient(ctx, &facteur.MailRecipient{RunID: run.ID, Purpose: "spam",
		Address: "x@example.org", State: facteur.MailQueued}), facteur.EINVALID)
}
