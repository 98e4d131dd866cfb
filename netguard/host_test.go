package netguard

import "testing"

// parseIPv4 reads host names the way inet_aton(3) does.
func TestParseIPv4(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" when not an address
	}{
		{"169.254.169.254", "169.254.169.254"},
		{"2852039166", "169.254.169.254"},
		{"0xa9fea9fe", "169.254.169.254"},
		{"0XA9FEA9FE", "169.254.169.254"},
		{"025177524776", "169.254.169.254"},
		{"0251.0376.0251.0376", "169.254.169.254"},
		{"0xa9.0xfe.0xa9.0xfe", "169.254.169.254"},
		{"169.254.43518", "169.254.169.254"},
		{"169.16689662", "169.254.169.254"},
		{"127.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"00", "0.0.0.0"},
		{"4294967295", "255.255.255.255"},
		{"1.2.3.4", "1.2.3.4"},
		{"010.010.010.010", "8.8.8.8"},
		{"4294967296", ""},  // too large for 32 bits
		{"1.16777216", ""},  // too large for 24 bits
		{"1.2.65536", ""},   // too large for 16 bits
		{"256.1.1.1", ""},   // a leading part above 255
		{"1.2.3.256", ""},   // the last of four parts above 255
		{"1.2.3.4.5", ""},   // five parts
		{"08", ""},          // not octal
		{"0x1g", ""},        // not hexadecimal
		{"1..2", ""},        // empty part
		{"", ""},            // empty
		{"+1", ""},          // sign
		{"1_000", ""},       // underscore
		{"example.com", ""}, // a name
		{"a9fea9fe", ""},    // hexadecimal needs 0x
	}
	for _, tt := range tests {
		ip, ok := parseIPv4(tt.in)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != tt.want {
			t.Errorf("parseIPv4(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
