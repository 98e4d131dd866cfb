package email_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/email"
	"github.com/facteur/facteur/mail"
)

// TestEmailGroups: a destination mails its To and its groups' members as
// Env reads them at delivery, once each (in Bcc mode too), writes in the
// run's log who was left out, and fails when no recipient is left; a
// destination naming groups on a server without them fails saying so.
func TestEmailGroups(t *testing.T) {
	members := facteur.GroupRecipients{Addresses: []string{"a@example.org", "b@example.org"}, Skipped: []string{`c@example.org of group "Ops": the account is deactivated`}}
	var asked [][]int64
	var logged []string
	env := func(sent *[]mail.Message) deliver.Env {
		e := mailEnv(sent, nil, nil)
		e.RecipientGroups = func(ctx context.Context, ids []int64) (facteur.GroupRecipients, error) {
			asked = append(asked, ids)
			return members, nil
		}
		e.RunLog = func(ctx context.Context, run int64, level, msg string) { logged = append(logged, level+" "+msg) }
		return e
	}
	for _, mode := range []string{"", email.Bcc} {
		var sent []mail.Message
		logged = nil
		e, err := email.New(email.Config{To: []string{"A@example.org", "boss@example.org"}, Groups: []int64{7}, Recipients: mode}, env(&sent))
		if err != nil {
			t.Fatal(err)
		}
		a := delivertest.NewArtifact(t, "orders.csv", []byte("id\n1\n"))
		d, err := e.Deliver(t.Context(), a)
		if err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, m := range sent {
			to = append(append(to, m.To...), m.Bcc...)
		}
		if want := []string{"A@example.org", "boss@example.org", "b@example.org"}; !slices.Equal(to, want) {
			t.Errorf("%q: mailed %v, want %v (a@ once)", mode, to, want)
		}
		if d.Location != "mailto:A@example.org,boss@example.org,b@example.org" {
			t.Errorf("%q: location %q", mode, d.Location)
		}
		if len(logged) != 1 || logged[0] != `warn Not mailed: c@example.org of group "Ops": the account is deactivated.` {
			t.Errorf("%q: run log %q", mode, logged)
		}
	}
	if len(asked) != 2 || !slices.Equal(asked[0], []int64{7}) {
		t.Errorf("groups asked: %v", asked)
	}

	members = facteur.GroupRecipients{Skipped: []string{"recipient group 7 no longer exists"}}
	var sent []mail.Message
	e, err := email.New(email.Config{Groups: []int64{7}}, env(&sent))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Deliver(t.Context(), delivertest.NewArtifact(t, "orders.csv", []byte("id\n1\n")))
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "No recipient is left") || len(sent) != 0 {
		t.Errorf("no member left: %v, %d mails", err, len(sent))
	}
	e, err = email.New(email.Config{Groups: []int64{7}}, mailEnv(&sent, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Test(t.Context()); err == nil || !strings.Contains(facteur.ErrorMessage(err), "Recipient groups are not available") {
		t.Errorf("groups without Env: %v", err)
	}
}
