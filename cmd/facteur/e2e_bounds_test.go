package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestUserCreateBounds: `facteur user create` refuses, naming the field,
// an address longer than 254 characters (no mail server delivers to it,
// so the account could never log in) and a name over 200 bytes; no
// account is created.
func TestUserCreateBounds(t *testing.T) {
	data := t.TempDir()
	long := strings.Repeat("a", 243) + "@example.org"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--email", long}, "email: at most 254 characters"},
		{[]string{"--email", "n@example.org", "--name", strings.Repeat("n", 201)}, "name: at most 200 bytes"},
	} {
		args := append([]string{"user", "create", "--data", data}, c.args...)
		if out, err := exec.Command(bin, args...).CombinedOutput(); err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("user create %s: %v\n%s", strings.Join(c.args, " ")[:40], err, out)
		}
	}
	if out, err := exec.Command(bin, "user", "list", "--data", data).CombinedOutput(); err != nil || strings.Contains(string(out), "example.org") {
		t.Errorf("user list after the refusals: %v\n%s", err, out)
	}
}
