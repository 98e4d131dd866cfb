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
		got, err := rep.SelectFields(tt.optIn, nil)
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
	if got, err := rep.SelectFields(nil, nil); facteur.ErrorCode(err) != facteur.EINVALID || got != nil {
		t.Fatalf("SelectFields(nil, nil) = %v, %v; want an EINVALID error", got, err)
	}
	if got, err := rep.SelectFields([]string{"email"}, nil); err != nil || len(got) != 1 || got[0] != "email" {
		t.Fatalf("opt in to email: %v, %v", got, err)
	}
	// A report without fields exports every column of its query.
	if got, err := (&facteur.Report{Name: "all"}).SelectFields(nil, nil); err != nil || got != nil {
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

// An obfuscated field is no longer sensitive: a rule on it delivers it
// without the schedule opting in, and a rule on a field the report does
// not have is refused by its path.
func TestSelectFieldsObfuscated(t *testing.T) {
	rep := &facteur.Report{Name: "customers", Fields: []facteur.Field{
		{Name: "id"}, {Name: "name", Sensitive: true}, {Name: "email", Sensitive: true}, {Name: "city"},
	}}
	got, err := rep.SelectFields(nil, []facteur.FieldRule{{Field: "email", Method: facteur.ObfuscateHMAC}})
	if err != nil || strings.Join(got, ",") != "id,email,city" {
		t.Fatalf("rule on email: %v, %v; want id,email,city", got, err)
	}
	_, err = rep.SelectFields(nil, []facteur.FieldRule{{Field: "city", Method: "hash"}, {Field: "phone", Method: "hash"}})
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(err.Error(), `obfuscate[1].field: report "customers" has no field "phone"`) {
		t.Fatalf("rule on a missing field: %v", err)
	}
	// Every field sensitive, each one obfuscated: something to send.
	all := &facteur.Report{Name: "people", Fields: []facteur.Field{{Name: "email", Sensitive: true}}}
	if got, err := all.SelectFields(nil, []facteur.FieldRule{{Field: "email", Method: "mask"}}); err != nil || len(got) != 1 {
		t.Fatalf("only field masked: %v, %v", got, err)
	}
}

func TestValidateFieldRules(t *testing.T) {
	for _, tt := range []struct {
		rules []facteur.FieldRule
		err   string
	}{
		{[]facteur.FieldRule{{Field: "email", Method: "hmac"}, {Field: "phone", Method: "mask", Keep: 4}, {Field: "n", Method: "null"}, {Field: "h", Method: "hash"}}, ""},
		{[]facteur.FieldRule{{Field: "phone", Method: "mask"}}, ""},
		{[]facteur.FieldRule{{Field: "", Method: "hash"}}, "obfuscate[0].field"},
		{[]facteur.FieldRule{{Field: "a", Method: "hash"}, {Field: "a", Method: "mask"}}, "obfuscate[1].field"},
		{[]facteur.FieldRule{{Field: "a", Method: "rot13"}}, "obfuscate[0].method"},
		{[]facteur.FieldRule{{Field: "a", Method: "mask", Keep: 65}}, "obfuscate[0].keep"},
		{[]facteur.FieldRule{{Field: "a", Method: "mask", Keep: -1}}, "obfuscate[0].keep"},
		{[]facteur.FieldRule{{Field: "a", Method: "hash", Keep: 2}}, "obfuscate[0].keep"},
		{make([]facteur.FieldRule, facteur.MaxFields+1), "obfuscate: at most"},
	} {
		err := facteur.ValidateFieldRules("obfuscate", tt.rules)
		if tt.err == "" && err != nil || tt.err != "" && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%v: %v, want %q", tt.rules, err, tt.err)
		}
	}
	if err := facteur.CheckHMACKey("hmac_key", "short"); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("short key: %v", err)
	}
	if err := facteur.CheckHMACKey("hmac_key", "0123456789abcdef0123"); err != nil {
		t.Errorf("good key: %v", err)
	}
}
