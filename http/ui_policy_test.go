package http_test

import (
	"html"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/ui"
)

// TestPolicyFormKeepsWhatWasTyped: a number the policy form cannot read is
// refused naming its field (it used to be read as 0, the default, and
// saved), and the refused form shows what was typed, not the stored values.
func TestPolicyFormKeepsWhatWasTyped(t *testing.T) {
	e := newEnv(t)
	h, err := (&ui.Server{API: e.api.Handler()}).Handler()
	must(t, err)
	cookies, csrf := uiLogin(t, e, facteur.RoleAdmin)
	_, before := e.do(e.tokens[facteur.RoleAdmin], "GET", "/api/v1/settings/policy", "")
	for field, typed := range map[string]string{"link_ttl_hours": "three days", "attachment_limit_mb": "ten"} {
		form := url.Values{"csrf_token": {csrf}, "export_enabled": {"1"}, "allowed_email_domains": {"partner.example\nexample.org"},
			"attachment_limit_mb": {"5"}, "link_ttl_hours": {"48"}, "max_rows": {"1000"}}
		form.Set(field, typed)
		req := httptest.NewRequest("POST", "/settings/policy", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		page := html.UnescapeString(rec.Body.String())
		if rec.Code != 400 || !strings.Contains(page, field) {
			t.Errorf("%s=%q: %d, want 400 naming the field:\n%s", field, typed, rec.Code, cut(page, 2000))
		}
		for _, want := range []string{`value="` + typed + `"`, `value="1000"`, "partner.example\nexample.org"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s=%q: the refused form does not show %q", field, typed, want)
			}
		}
	}
	if _, after := e.do(e.tokens[facteur.RoleAdmin], "GET", "/api/v1/settings/policy", ""); after != before {
		t.Errorf("the refused forms changed the policy:\n%s\n%s", before, after)
	}
}
