package http_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/facteur/facteur/auth"
)

// clientFrom returns an HTTP client whose connections come from the
// loopback address ip (any of 127.0.0.0/8), as another machine's would.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
}

// login posts a login from c and returns the status, the Retry-After
// header and the body.
func (e *env) loginFrom(c *http.Client, email, password string) (int, string, string) {
	e.t.Helper()
	resp, err := c.Post(e.srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	must(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// TestLockoutSaysWhen: a locked-out login says in how many minutes, and at
// what time, to try again, and Retry-After gives the same wait.
func TestLockoutSaysWhen(t *testing.T) {
	e := newEnv(t)
	c := clientFrom("127.0.0.1")
	for range auth.LoginFailures {
		e.loginFrom(c, "editor@example.org", "guess")
	}
	st, retry, body := e.loginFrom(c, "editor@example.org", "password of editor@example.org")
	m := regexp.MustCompile(`try again in (\d+) minutes \(at \d\d:\d\d UTC\)`).FindStringSubmatch(body)
	secs, err := strconv.Atoi(retry)
	if st != 429 || m == nil || err != nil || secs < 1 || secs > int(auth.LoginWindow.Seconds())+1 {
		t.Fatalf("locked out: %d, Retry-After %q: %s", st, retry, body)
	}
	if mins, _ := strconv.Atoi(m[1]); mins != (secs+59)/60 {
		t.Errorf("the message says %s minutes, Retry-After %d seconds", m[1], secs)
	}
}

// TestStrangerCannotLockOut: failures from one client lock that client out
// of the address, not the account's owner on another client; the owner's
// own wrong password then locks the owner's client too.
func TestStrangerCannotLockOut(t *testing.T) {
	e := newEnv(t)
	stranger, owner := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	for i := range auth.LoginFailures + 3 {
		if st, _, body := e.loginFrom(stranger, "editor@example.org", "guess"); st != 401 && !(i >= auth.LoginFailures && st == 429) {
			t.Fatalf("stranger's guess %d: %d %s", i+1, st, body)
		}
	}
	if st, _, body := e.loginFrom(stranger, "editor@example.org", "password of editor@example.org"); st != 429 {
		t.Errorf("the stranger's client, with the right password: %d %s", st, body)
	}
	if st, _, body := e.loginFrom(owner, "editor@example.org", "password of editor@example.org"); st != 200 {
		t.Fatalf("the owner on another client: %d %s", st, body)
	}
	// The owner's login started the count again; the stranger needs five
	// more failures to lock the address, and then a wrong password from the
	// owner's client locks that client too.
	for range auth.LoginFailures {
		e.loginFrom(stranger, "editor@example.org", "guess")
	}
	if st, _, _ := e.loginFrom(owner, "editor@example.org", "typo"); st != 401 {
		t.Fatalf("the owner's typo: %d", st)
	}
	if st, _, body := e.loginFrom(owner, "editor@example.org", "password of editor@example.org"); st != 429 {
		t.Errorf("the owner's client after a failure while the address is locked: %d %s", st, body)
	}
}
