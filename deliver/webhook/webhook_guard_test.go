package webhook_test

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/webhook"
	"github.com/facteur/facteur/netguard"
	"github.com/facteur/facteur/netguard/netguardtest"
)

// The webhook connects only through Env.Dial: given the outbound guard, a
// host name that resolves to the metadata address is refused when
// connecting, though its URL passed the check at save time; with loopback
// allowed, a name that resolves to the receiver works.
func TestWebhookThroughOutboundGuard(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, false)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(rc.srv.URL, "http://"))
	dns := netguardtest.StartDNS(t, map[string][]string{
		"hooks.partner.test": {"169.254.169.254"},
		"good.partner.test":  {"127.0.0.1"},
	})
	hookURL := func(host string) string { return "http://" + net.JoinHostPort(host, port) + "/in" }
	a := delivertest.NewArtifact(t, "a.csv", []byte("id\n1\n"))

	tests := []struct {
		name   string
		policy netguard.Policy
		host   string
		refuse string // part of the message; "" when the delivery must succeed
	}{
		{"name to metadata", netguard.Policy{AllowLoopback: true}, "hooks.partner.test", "hooks.partner.test resolves to 169.254.169.254. Connections to 169.254.169.254 are not allowed"},
		{"metadata literal", netguard.Policy{AllowLoopback: true}, "169.254.169.254", "Connections to 169.254.169.254 are not allowed"},
		{"decimal metadata", netguard.Policy{AllowLoopback: true}, "2852039166", "Connections to 169.254.169.254 are not allowed"},
		{"loopback refused", netguard.Policy{}, "good.partner.test", "Connections to 127.0.0.1 are not allowed: it is a loopback address"},
		{"loopback allowed", netguard.Policy{AllowLoopback: true}, "good.partner.test", ""},
	}
	for _, tt := range tests {
		tt.policy.Resolver = dns.Resolver()
		tt.policy.Timeout = 5 * time.Second
		u := hookURL(tt.host)
		if tt.host == "hooks.partner.test" {
			if err := tt.policy.CheckURL(u); err != nil {
				t.Fatalf("%s: CheckURL(%s) = %v; a plain name passes at save time", tt.name, u, err)
			}
		}
		w := newWebhook(t, webhook.Config{URL: u}, deliver.Env{Dial: tt.policy.Dial}, nil)
		before := len(rc.Requests())
		_, err := w.Deliver(t.Context(), a)
		if tt.refuse == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		msg := facteur.ErrorMessage(err)
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) || !strings.Contains(msg, tt.refuse) {
			t.Errorf("%s: %v (code %s), want a permanent EINVALID containing %q", tt.name, err, facteur.ErrorCode(err), tt.refuse)
		}
		if !strings.HasPrefix(msg, "The webhook at ") {
			t.Errorf("%s: message %q should say which webhook", tt.name, msg)
		}
		if n := len(rc.Requests()); n != before {
			t.Errorf("%s: the receiver got a request", tt.name)
		}
	}
	if files := rc.Files(t); len(files) != 1 || string(files["a.csv"]) != "id\n1\n" {
		t.Errorf("the receiver keeps %v, want a.csv only", files)
	}
}

// The guard's save-time check and the webhook's own URL check agree on
// what a webhook URL is.
func TestWebhookURLChecks(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://good@169.254.169.254/", "ftp://partner.example/", "https:///x"} {
		if webhook.ValidateURL(u) == nil {
			t.Errorf("ValidateURL(%q) = nil", u)
		}
		if (netguard.Policy{}).CheckURL(u) == nil {
			t.Errorf("CheckURL(%q) = nil", u)
		}
	}
	if _, err := url.Parse("https://partner.example/in"); err != nil || webhook.ValidateURL("https://partner.example/in") != nil {
		t.Error("a plain https URL is refused")
	}
}
