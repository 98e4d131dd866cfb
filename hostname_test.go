package facteur

import (
	"strings"
	"testing"
)

func TestIsHostName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"sftp.example.com", true},
		{"sftp.example.com.", true},
		{"files-01.partner_x.example", true},
		{"localhost", true},
		{"127.0.0.1", true},
		{"::1", true},
		{"[2001:db8::1]", true},
		{"xn--bcher-kva.example", true},
		{strings.Repeat("a", 63) + ".example", true},
		{"", false},
		{".", false},
		{"-oProxyCommand=sh", false},
		{"-host.example", false},
		{"host-.example", false},
		{"a..b", false},
		{"sftp.example.com:22", false},
		{"user@sftp.example.com", false},
		{"sftp://sftp.example.com", false},
		{"sftp example.com", false},
		{"host\x00.example", false},
		{"bücher.example", false},
		{strings.Repeat("a", 64) + ".example", false},
		{strings.Repeat("abcdefghi.", 26), false}, // 260 bytes
	} {
		if got := IsHostName(tc.host); got != tc.ok {
			t.Errorf("IsHostName(%q) = %v, want %v", tc.host, got, tc.ok)
		}
	}
}

func FuzzIsHostName(f *testing.F) {
	for _, s := range []string{"sftp.example.com", "-x", "127.0.0.1", "[::1]", "a..b", "a_b.c-d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !IsHostName(host) {
			return
		}
		// An accepted name never reads as an option, a path, a user or a port.
		if strings.HasPrefix(host, "-") || strings.ContainsAny(host, " /@\t\r\n\x00") {
			t.Fatalf("accepted %q", host)
		}
	})
}
