package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportEncrypted: facteur export --age-recipient and
// --gpg-recipient-file write a file that age -d and gpg --decrypt turn
// into exactly the export without them, plain and gzip-compressed; the
// printed size and SHA-256 are those of the encrypted file; a private key
// given as recipient and both methods at once are refused (exit 2).
func TestExportEncrypted(t *testing.T) {
	pg := os.Getenv("FACTEUR_TEST_POSTGRES")
	if pg == "" {
		t.Fatal("FACTEUR_TEST_POSTGRES is not set: run scripts/test.sh")
	}
	ageTo, pgpKey, ageDecrypt, gpgDecrypt := encReferees(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "partner.asc")
	os.WriteFile(keyFile, []byte(pgpKey), 0o600)
	query := "select g as id, md5(g::text) as ref, now()::date - (g % 400) as day from generate_series(1, 50000) g order by g"
	export := func(out string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"export", "--source", pg, "--query", query, "--output", filepath.Join(dir, out)}, args...)...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("export %v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	for _, compression := range []string{"", "gzip"} {
		ext := "csv"
		if compression != "" {
			ext = "csv.gz"
		}
		export("plain."+ext, "--compression", compression)
		want, _ := os.ReadFile(filepath.Join(dir, "plain."+ext))
		for _, tc := range []struct {
			ext     string
			args    []string
			decrypt func([]byte) ([]byte, error)
		}{
			{"age", []string{"--age-recipient", ageTo}, ageDecrypt},
			{"gpg", []string{"--gpg-recipient-file", keyFile}, gpgDecrypt},
		} {
			name := "enc." + ext + "." + tc.ext
			printed := export(name, append(tc.args, "--compression", compression)...)
			got, _ := os.ReadFile(filepath.Join(dir, name))
			if !strings.Contains(printed, "sha-256: "+sha(string(got))+"\n") || !strings.Contains(printed, "content sha-256: "+sha(string(want))+"\n") {
				t.Errorf("%s: printed\n%s\nfile sha-256 %s, content %s", name, printed, sha(string(got)), sha(string(want)))
			}
			dec, err := tc.decrypt(got)
			if err != nil || !bytes.Equal(dec, want) || len(want) < 1<<20/2 {
				t.Errorf("%s decrypts to %d bytes (%v), want the %d bytes of the export in clear", name, len(dec), err, len(want))
			}
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--age-recipient", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"}, "PRIVATE key"},
		{[]string{"--age-recipient", ageTo, "--gpg-recipient-file", keyFile}, "encrypt with one method"},
		{[]string{"--gpg-recipient-file", filepath.Join(dir, "missing.asc")}, "--gpg-recipient-file"},
	} {
		cmd := exec.Command(bin, append([]string{"export", "--source", pg, "--query", "select 1", "--output", filepath.Join(dir, "bad.age")}, tc.args...)...)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: %v %s, want exit 2 saying %q", tc.args, err, out, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "bad.age")); err == nil {
			t.Errorf("%v left a file", tc.args)
		}
	}
}
