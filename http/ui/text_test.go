package ui

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestEveryStringIsDefined: every key a template or the Go code asks for
// is in the string table, so that no page shows a bare key.
func TestEveryStringIsDefined(t *testing.T) {
	uses := regexp.MustCompile(`\{\{[^}]*?\bt "([a-z_.]+)"|\btext\("([a-z_.]+)"`)
	dynamic := regexp.MustCompile(`\(printf "([a-z_.]+)%s" `)
	checked := 0
	check := func(name string, src []byte) {
		for _, m := range uses.FindAllSubmatch(src, -1) {
			key := string(m[1]) + string(m[2])
			checked++
			if _, ok := messages[key]; !ok {
				t.Errorf("%s asks for %q, which text.go does not define", name, key)
			}
		}
		for _, m := range dynamic.FindAllSubmatch(src, -1) {
			prefix := string(m[1])
			found := false
			for k := range messages {
				found = found || strings.HasPrefix(k, prefix)
			}
			if !found {
				t.Errorf("%s builds keys %q…, none defined", name, prefix)
			}
		}
	}
	fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := files.ReadFile(p)
			check(p, b)
		}
		return nil
	})
	goFiles, _ := fs.Glob(os.DirFS("."), "*.go")
	for _, f := range goFiles {
		b, _ := os.ReadFile(f)
		check(f, b)
	}
	if checked < 100 {
		t.Fatalf("only %d uses found: the pattern is wrong", checked)
	}
	// Every key built from a role, a kind, a frequency or a catch-up is defined.
	for _, k := range []string{"role.viewer", "role.editor", "role.file_scheduler", "role.admin", "kind.email", "kind.sftp", "kind.s3", "kind.webhook", "kind.folder",
		"freq.daily", "freq.weekly", "freq.monthly", "freq.cron", "cfg.to", "cfg.headers", "cfg.path"} {
		if _, ok := messages[k]; !ok {
			t.Errorf("%q is not defined", k)
		}
	}
}
