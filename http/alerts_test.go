package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestAlertEmailsPolicy: a schedule's alert addresses obey the rule of
// e-mail destinations: a Facteur account's address in any domain, or an
// address in an approved domain; an outside address is refused at save
// with 400 naming options.alert_emails and the address, and nothing is
// stored; their number is bounded.
func TestAlertEmailsPolicy(t *testing.T) {
	e := newEnv(t)
	ed := e.tokens[facteur.RoleEditor]
	e.account("colleague@partner.test", facteur.RoleViewer)
	body := func(alerts []string) string {
		return string(jsonOf(map[string]any{"name": "alerts", "report_id": e.report.ID, "destination_id": e.email.ID,
			"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"},
			"options": map[string]any{"alert_emails": alerts}}))
	}
	before, err := e.db.Schedules(context.Background())
	must(t, err)
	for _, tt := range []struct {
		alerts []string
		want   string
	}{
		{[]string{"ops@example.org", "attacker@evil.example"}, "options.alert_emails[1]: attacker@evil.example is not the address of a Facteur account, nor in an approved domain (example.org)"},
		{[]string{strings.Repeat("a", 40) + "@evil.example"}, "options.alert_emails[0]: " + strings.Repeat("a", 40) + "@evil.example"},
		{make51(), "options.alert_emails: at most 50 addresses"},
	} {
		st, got := e.do(ed, "POST", "/api/v1/schedules", body(tt.alerts))
		if st != 400 || !strings.Contains(got, tt.want) {
			t.Errorf("alerts %v: %d %s, want 400 %q", tt.alerts[:min(2, len(tt.alerts))], st, got, tt.want)
		}
	}
	after, err := e.db.Schedules(context.Background())
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("%d schedules stored by refused requests", len(after)-len(before))
	}
	st, got := e.do(ed, "POST", "/api/v1/schedules", body([]string{"ops@example.org", "Colleague@partner.test"}))
	if st != 201 {
		t.Fatalf("an approved domain and an account: %d %s", st, got)
	}
	var sc facteur.Schedule
	must(t, json.Unmarshal([]byte(got), &sc))
	if st, got := e.do(ed, "PUT", fmt.Sprintf("/api/v1/schedules/%d", sc.ID), body([]string{"attacker@evil.example"})); st != 400 || !strings.Contains(got, "options.alert_emails[0]: attacker@evil.example") {
		t.Errorf("update with an outside address: %d %s", st, got)
	}
}

func make51() []string {
	out := make([]string, 51)
	for i := range out {
		out[i] = fmt.Sprintf("ops%d@example.org", i)
	}
	return out
}
