package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/facteur/facteur"
)

// TestLoginKeepsDeactivation races a login (its password check takes about
// a quarter of a second) with an administrator deactivating the account
// and making it a viewer: the administrator's acknowledged change stays,
// and a session the login opened does not work.
func TestLoginKeepsDeactivation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const password = "a slow password to check"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 12) // ≈0.25 s to check
	must(t, err)
	u := &facteur.User{Email: "racer@example.org", Role: facteur.RoleEditor, Active: true, PasswordHash: string(hash)}
	must(t, e.db.CreateUser(ctx, u))
	admin := e.tokens[facteur.RoleAdmin]
	path := fmt.Sprintf("/api/v1/users/%d", u.ID)

	for i := range 5 {
		if st, body := e.do(admin, "PUT", path, `{"active":true,"role":"editor"}`); st != 200 {
			t.Fatalf("reactivate: %d %s", st, body)
		}
		type answer struct {
			resp *http.Response
			err  error
		}
		done := make(chan answer, 1)
		go func() {
			resp, err := http.Post(e.srv.URL+"/api/v1/login", "application/json",
				strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, u.Email, password)))
			if err == nil {
				resp.Body.Close()
			}
			done <- answer{resp, err}
		}()
		// Not an assertion: lets the login read the account and start
		// checking the password before the administrator's change.
		time.Sleep(50 * time.Millisecond)
		if st, body := e.do(admin, "PUT", path, `{"active":false,"role":"viewer"}`); st != 200 {
			t.Fatalf("deactivate: %d %s", st, body)
		}
		a := <-done
		must(t, a.err)
		got, err := e.db.User(ctx, u.ID)
		must(t, err)
		if got.Active || got.Role != facteur.RoleViewer {
			t.Fatalf("attempt %d: after the login (%d) the account is active=%v %s; the administrator made it an inactive viewer",
				i, a.resp.StatusCode, got.Active, got.Role)
		}
		if a.resp.StatusCode == 200 {
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
			for _, c := range a.resp.Cookies() {
				req.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Fatalf("attempt %d: the session of a login that raced the deactivation works: %d", i, resp.StatusCode)
			}
		}
	}
}
