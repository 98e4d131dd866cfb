package netguard_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/netguard"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	var (
		none     = netguard.Policy{}
		loopback = netguard.Policy{AllowLoopback: true}
		private  = netguard.Policy{AllowPrivate: true}
		all      = netguard.Policy{AllowLoopback: true, AllowPrivate: true, Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}
		subnet   = netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.1.2.0/24")}}
	)
	tests := []struct {
		addr   string
		policy netguard.Policy
		ok     bool
		reason string // part of the message when refused
	}{
		{"93.184.215.14", none, true, ""},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", none, true, ""},
		// Always refused, whatever the policy allows.
		{"169.254.169.254", all, false, "cloud metadata"},
		{"::ffff:169.254.169.254", all, false, "cloud metadata"},
		{"::ffff:a9fe:a9fe", all, false, "cloud metadata"},
		{"fd00:ec2::254", all, false, "cloud metadata"},
		{"100.100.100.200", all, false, "Alibaba"},
		{"192.0.0.192", all, false, "Oracle"},
		{"169.254.1.1", all, false, "link-local"},
		{"fe80::1", all, false, "link-local"},
		{"fe80::1%eth0", all, false, "link-local"},
		{"0.0.0.0", all, false, "unspecified"},
		{"0.1.2.3", all, false, "unspecified"},
		{"::", all, false, "unspecified"},
		{"224.0.0.1", all, false, "multicast"},
		{"ff02::1", all, false, "multicast"},
		{"255.255.255.255", all, false, "broadcast"},
		{"64:ff9b::a9fe:a9fe", all, false, "embedded in an IPv6 address"},
		{"::a9fe:a9fe", all, false, "embedded in an IPv6 address"},
		// Loopback only when allowed.
		{"127.0.0.1", none, false, "loopback"},
		{"127.10.0.1", none, false, "loopback"},
		{"::1", none, false, "loopback"},
		{"::ffff:127.0.0.1", none, false, "loopback"},
		{"127.0.0.1", loopback, true, ""},
		{"::1", loopback, true, ""},
		{"127.0.0.1", private, false, "loopback"},
		// Private ranges only when allowed.
		{"10.0.0.1", none, false, "private"},
		{"172.16.5.4", none, false, "private"},
		{"172.31.255.255", none, false, "private"},
		{"172.32.0.1", none, true, ""},
		{"192.168.1.1", none, false, "private"},
		{"100.64.0.1", none, false, "private"},
		{"fc00::1", none, false, "private"},
		{"fd12:3456::1", none, false, "private"},
		{"64:ff9b::a00:1", none, false, "private"}, // 10.0.0.1 through NAT64
		{"10.0.0.1", loopback, false, "private"},
		{"10.0.0.1", private, true, ""},
		{"fd12:3456::1", private, true, ""},
		{"100.64.0.1", private, true, ""},
		// An explicit range.
		{"10.1.2.3", subnet, true, ""},
		{"10.1.3.3", subnet, false, "private"},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.addr)
		err := tt.policy.Check(ip)
		switch {
		case tt.ok && err != nil:
			t.Errorf("Check(%s) = %v, want nil", tt.addr, err)
		case !tt.ok && err == nil:
			t.Errorf("Check(%s) = nil, want a refusal (%s)", tt.addr, tt.reason)
		case !tt.ok:
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) ||
				!strings.Contains(msg, "Connections to "+ip.String()+" are not allowed") || !strings.Contains(msg, tt.reason) {
				t.Errorf("Check(%s): %q (code %s), want EINVALID naming the address and %q", tt.addr, msg, facteur.ErrorCode(err), tt.reason)
			}
		}
	}
	if err := all.Check(netip.Addr{}); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("Check(invalid address) = %v, want EINVALID", err)
	}
}

// Every spelling of a refused address is refused when the URL is saved.
func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url    string
		reason string // part of the message; "" when the URL is fine
	}{
		{"https://hooks.example.com/facteur?x=1", ""},
		{"http://hooks.example.com:8080/in", ""},
		{"HTTPS://Hooks.Example.COM/", ""},
		{"https://93.184.215.14/", ""},
		{"https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/", ""},
		{"https://xn--bcher-kva.example/", ""},
		{"https://bücher.example/", ""},
		{"https://1.2.3.4.5/", ""}, // not an address; resolved (and checked) at connect time

		// Metadata address, every spelling.
		{"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
		{"http://169.254.169.254./", "cloud metadata"},
		{"http://2852039166/", "cloud metadata"},             // decimal
		{"http://0xa9fea9fe/", "cloud metadata"},             // hexadecimal
		{"http://0XA9FEA9FE/", "cloud metadata"},             // hexadecimal, upper case
		{"http://0xa9.0xfe.0xa9.0xfe/", "cloud metadata"},    // hexadecimal parts
		{"http://0251.0376.0251.0376/", "cloud metadata"},    // octal
		{"http://0251.254.0251.254/", "cloud metadata"},      // octal and decimal
		{"http://00000251.00376.169.254/", "cloud metadata"}, // long octal
		{"http://169.254.43518/", "cloud metadata"},          // short form a.b.c
		{"http://169.16689662/", "cloud metadata"},           // short form a.b
		{"http://0xa9.254.0xa9fe/", "cloud metadata"},        // mixed
		{"http://[::ffff:169.254.169.254]/", "cloud metadata"},
		{"http://[::ffff:a9fe:a9fe]/", "cloud metadata"},
		{"http://[0:0:0:0:0:ffff:169.254.169.254]:80/", "cloud metadata"},
		{"http://[64:ff9b::169.254.169.254]/", "cloud metadata"},
		{"http://[fd00:ec2::254]/", "cloud metadata"},
		{"http://100.100.100.200/", "Alibaba"},
		{"http://192.0.0.192/", "Oracle"},
		{"http://%31%36%39.254.169.254/", "not a valid URL"}, // percent-encoded host
		{"http://１６９．２５４．１６９．２５４/", "cloud metadata"},        // full-width digits and dots
		{"http://169。254。169。254/", "cloud metadata"},        // ideographic full stops
		{"http://good@169.254.169.254/", "user name"},
		{"http://169.254.169.254@good.example/", "user name"},
		{"http://good:pw@hooks.example.com/", "user name"},
		{`http://169.254.169.254\@good.example/`, "backslash"},

		// Metadata host names.
		{"http://metadata.google.internal/computeMetadata/v1/", "metadata service"},
		{"http://METADATA.GOOGLE.INTERNAL./", "metadata service"},
		{"http://metadata/", "metadata service"},
		{"http://instance-data/latest/", "metadata service"},
		{"http://instance-data.ec2.internal/", "metadata service"},

		// Link-local and others always refused.
		{"http://169.254.1.1/", "link-local"},
		{"http://[fe80::1]/", "link-local"},
		{"http://[fe80::1%25eth0]/", "zone"},
		{"http://0.0.0.0:8080/", "unspecified"},
		{"http://0/", "unspecified"},
		{"http://[::]/", "unspecified"},
		{"http://255.255.255.255/", "broadcast"},
		{"http://224.0.0.1/", "multicast"},

		// Loopback and private, refused by the zero policy.
		{"http://127.0.0.1:8080/", "loopback"},
		{"http://127.1/", "loopback"},
		{"http://2130706433/", "loopback"},
		{"http://0x7f000001/", "loopback"},
		{"http://017700000001/", "loopback"},
		{"http://[::1]/", "loopback"},
		{"http://localhost:8080/", "loopback"},
		{"http://api.localhost/", "loopback"},
		{"http://10.0.0.1/", "private"},
		{"http://012.0.0.1/", "private"},
		{"http://192.168.0.1/", "private"},
		{"http://[fd12:3456::1]/", "private"},

		// Not a URL Facteur can post to.
		{"ftp://hooks.example.com/", "http:// or https://"},
		{"file:///etc/passwd", "http:// or https://"},
		{"gopher://hooks.example.com/", "http:// or https://"},
		{"javascript:alert(1)", "http:// or https://"},
		{"hooks.example.com/in", "http:// or https://"},
		{"https:hooks.example.com", "no host"},
		{"https:///path", "no host"},
		{"https://hooks.example.com:99999/", "port"},
		{"https://hooks.example.com:/", "port"},
		{"https://hooks.example.com/ in", "space"},
		{"https://[::ffff:zz]/", "not a valid"},
	}
	for _, tt := range tests {
		err := netguard.Policy{}.CheckURL(tt.url)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("CheckURL(%q) = %v, want nil", tt.url, err)
			}
			continue
		}
		msg := facteur.ErrorMessage(err)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(msg, "url: ") || !strings.Contains(msg, tt.reason) {
			t.Errorf("CheckURL(%q) = %v, want EINVALID starting with \"url: \" and containing %q", tt.url, err, tt.reason)
		}
	}
}

// An administrator's policy lets loopback and private URLs through, never
// metadata ones.
func TestCheckURLAllowed(t *testing.T) {
	t.Parallel()
	p := netguard.Policy{AllowLoopback: true, AllowPrivate: true}
	for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost/", "http://0x7f.1/", "http://10.0.0.1/", "http://[::1]:80/"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", u, err)
		}
	}
	for _, u := range []string{"http://169.254.169.254/", "http://0xa9fea9fe/", "http://metadata.google.internal/"} {
		if err := p.CheckURL(u); err == nil {
			t.Errorf("CheckURL(%q) = nil, want a refusal", u)
		}
	}
}
