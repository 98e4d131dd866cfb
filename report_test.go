package facteur_test

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

func TestSelectFields(t *testing.T) {
	rep := &facteur.Report{Name: "customers", Fields: []facteur.Field{
		{Name: "id"}, {Name: "name", Sensitive: true}, {Name: "email", Sensitive: true}, {Name: "city"}, {Name: "notes", Extra: true},
	}}
	tests := []struct {
		optIn []string
		want  string
		err   string
	}{
		{nil, "id,city", ""},
		{[]string{"email"}, "id,email,city", ""},
		{[]string{"notes", "name"}, "id,name,city,notes", ""}, // the report's order, not the opt-in's
		{[]string{"phone"}, "", `report "customers" has no field "phone"`},
	}
	for _, tt := range tests {
		got, err := rep.SelectFields(tt.optIn)
		if tt.err != "" {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("SelectFields(%v): %v, want %q", tt.optIn, err, tt.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tt.want {
			t.Errorf("SelectFields(%v) = %v, %v; want %s", tt.optIn, got, err, tt.want)
		}
	}
}

// A report whose every field is sensitive must never fall back to "every
// column": it exports nothing until the schedule opts in.
func TestSelectFieldsAllSensitive(t *testing.T) {
	rep := &facteur.Report{Name: "people", Fields: []facteur.Field{{Name: "name", Sensitive: true}, {Name: "email", Sensitive: true}}}
	if got, err := rep.SelectFields(nil); facteur.ErrorCode(err) != facteur.EINVALID || got != nil {
		t.Fatalf("SelectFields(nil) = %v, %v; want an EINVALID error", got, err)
	}
	if got, err := rep.SelectFields([]string{"email"}); err != nil || len(got) != 1 || got[0] != "email" {
		t.Fatalf("opt in to email: %v, %v", got, err)
	}
	// A report without fields exports every column of its query.
	if got, err := (&facteur.Report{Name: "all"}).SelectFields(nil); err != nil || got != nil {
		t.Fatalf("no fields: %v, %v", got, err)
	}
}

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:secret@h:5432/db?sslmode=disable": "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"mysql://root@127.0.0.1:3306/test":              "mysql://root@127.0.0.1:3306/test",
		"postgres://h/db?password=secret":               "postgres://h/db?password=xxxxx",
		"sqlite:/var/data/x.db":                         "sqlite:/var/data/x.db",
	} {
		if got := facteur.RedactDSN(dsn); got != want || strings.Contains(got, "secret") {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}
