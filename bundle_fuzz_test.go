package facteur_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzBundle: a schedule's bundle and confirmation file, decoded from
// JSON as the API reads them, are refused with EINVALID naming a field of
// theirs, or hold a known packaging, 1 to MaxBundleReports further
// reports, each once and none the schedule's own, and a known form of
// confirmation file.
func FuzzBundle(f *testing.F) {
	for _, s := range []string{
		`{"bundle":{"packaging":"zip","reports":[{"report_id":2},{"report_id":3}]}}`,
		`{"bundle":{"packaging":"files","reports":[{"report_id":2,"include_fields":["a","a"]}]}}`,
		`{"bundle":{"packaging":"rar","reports":[{"report_id":2}]}}`,
		`{"bundle":{"packaging":"zip","reports":[{"report_id":1}]}}`,
		`{"bundle":{"packaging":"zip","reports":[]}}`,
		`{"bundle":{"packaging":"zip","reports":[{"report_id":-4,"obfuscate":[{"field":"x","method":"mask"}]}]}}`,
		`{"options":{"confirmation":true,"confirmation_file":{"name":"{file}.ok","format":"text"}}}`,
		`{"options":{"confirmation_file":{"format":"xml"}}}`,
		`{"bundle":{"packaging":"zip","reports":[{"report_id":2}]},"options":{"incremental":{"since":"all"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := facteur.Schedule{Name: "s", ReportID: 1, DestinationID: 1, Format: facteur.FormatOptions{Format: "csv"}}
		if json.Unmarshal(body, &s) != nil {
			return
		}
		s.Name, s.ReportID, s.DestinationID = "s", 1, 1
		err := s.Validate()
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("%s: %v", body, err)
			}
			if (s.Bundle != nil || s.Options.ConfirmationFile != nil) && !strings.HasPrefix(msg, "bundle.") && !strings.HasPrefix(msg, "options.confirmation_file.") &&
				!strings.HasPrefix(msg, "obfuscate") && !strings.HasPrefix(msg, "include_fields") && !strings.HasPrefix(msg, "params") &&
				!strings.HasPrefix(msg, "options.") && !strings.HasPrefix(msg, "format") && !strings.HasPrefix(msg, "file_name") && !strings.HasPrefix(msg, "catch_up") && !strings.HasPrefix(msg, "hmac_key") {
				t.Fatalf("%s: message names no field: %q", body, msg)
			}
			return
		}
		if c := s.Options.ConfirmationFile; c != nil && (c.Format != "" && c.Format != facteur.ConfirmJSON && c.Format != facteur.ConfirmText || len(c.Name) > facteur.MaxFileNameTemplate) {
			t.Fatalf("confirmation file %+v accepted", c)
		}
		b := s.Bundle
		if b == nil {
			return
		}
		if s.Options.Incremental != nil {
			t.Fatalf("an incremental dashboard accepted: %s", body)
		}
		if !slices.Contains(facteur.Packagings, b.Packaging) || len(b.Reports) == 0 || len(b.Reports)+1 > facteur.MaxBundleReports {
			t.Fatalf("bundle %+v accepted", b)
		}
		seen := map[int64]bool{s.ReportID: true}
		for _, p := range b.Reports {
			if p.ReportID <= 0 || seen[p.ReportID] {
				t.Fatalf("report %d accepted in %+v", p.ReportID, b)
			}
			seen[p.ReportID] = true
		}
		if parts := s.Parts(); len(parts) != len(b.Reports)+1 || parts[0].ReportID != s.ReportID {
			t.Fatalf("parts %+v", parts)
		}
	})
}
