package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
	"github.com/facteur/facteur/mail"
)

// Settings (administrators): mail, policy, users and roles, the audit log;
// and every account's own API tokens.

type mailPage struct {
	Mail        apitypes.MailSettings
	Device      *apitypes.DeviceStatus
	Error, Done string
}

// Set reports whether a secret is stored.
func (p mailPage) Set(name string) bool {
	for _, s := range p.Mail.SecretsSet {
		if s == name {
			return true
		}
	}
	return false
}

func (s *Server) mailPage(r *http.Request) (mailPage, error) {
	var p mailPage
	if err := s.call(r, "GET", "/api/v1/settings/mail", nil, &p.Mail); err != nil {
		return p, err
	}
	if p.Mail.Settings == nil {
		p.Mail.Settings = &mail.Settings{} // not configured: the form starts empty
	}
	if p.Mail.Settings.OAuth != nil {
		var d apitypes.DeviceStatus
		if s.call(r, "GET", "/api/v1/settings/mail/oauth/device", nil, &d) == nil && d.Status != "" {
			p.Device = &d
		}
	}
	return p, nil
}

func (s *Server) settingsMail(w http.ResponseWriter, r *http.Request, v view) error {
	p, err := s.mailPage(r)
	if err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("settings.mail"), "settings", p
	s.render(w, http.StatusOK, "settings_mail", v)
	return nil
}

// postMail saves the settings, or sends a test e-mail, or connects the
// mail account through OAuth (in the browser, or with a device code).
func (s *Server) postMail(w http.ResponseWriter, r *http.Request, v view) error {
	var err error
	done := ""
	switch r.PostFormValue("action") {
	case "test":
		err = s.call(r, "POST", "/api/v1/settings/mail/test", map[string]string{"to": strings.TrimSpace(r.PostFormValue("to"))}, nil)
		done = text("done.mail_test", r.PostFormValue("to"))
	case "connect":
		var start apitypes.OAuthStart
		if err = s.call(r, "POST", "/api/v1/settings/mail/oauth/authorize", nil, &start); err == nil {
			http.Redirect(w, r, start.AuthURL, http.StatusSeeOther)
			return nil
		}
	case "device":
		err = s.call(r, "POST", "/api/v1/settings/mail/oauth/device", nil, nil)
	default:
		err = s.call(r, "PUT", "/api/v1/settings/mail", mailFromForm(r), nil)
		done = text("done.mail")
	}
	p, perr := s.mailPage(r)
	if perr != nil {
		return perr
	}
	var status int
	if p.Error, status, err = refusal(err); err != nil {
		return err
	} else if p.Error == "" {
		p.Done = done
	}
	v.Title, v.Section, v.Data = text("settings.mail"), "settings", p
	s.render(w, status, "settings_mail", v)
	return nil
}

func mailFromForm(r *http.Request) map[string]any {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	m := map[string]any{"host": f("host"), "security": f("security"), "username": f("username"), "password": f("password"),
		"auth": f("auth"), "from": f("from"), "ca_cert": f("ca_cert")}
	if port, err := strconv.Atoi(f("port")); err == nil {
		m["port"] = port
	}
	if f("auth") == "xoauth2" {
		m["oauth"] = map[string]any{"provider": f("oauth_provider"), "client_id": f("oauth_client_id"), "client_secret": f("oauth_client_secret"),
			"tenant_id": f("oauth_tenant_id"), "auth_url": f("oauth_auth_url"), "token_url": f("oauth_token_url"), "device_url": f("oauth_device_url")}
	}
	return m
}

type policyPage struct {
	Policy facteur.Policy
	Error  string
	// Typed holds what was typed when the policy was refused, which the
	// form shows again instead of the stored values.
	Typed url.Values
}

// Text returns what the form shows in field name: what was typed, after a
// refusal, or else the stored value.
func (p policyPage) Text(name, stored string) string {
	if p.Typed != nil {
		return p.Typed.Get(name)
	}
	return stored
}

func (s *Server) settingsPolicy(w http.ResponseWriter, r *http.Request, v view) error {
	var p policyPage
	status := http.StatusOK
	if r.Method == http.MethodPost {
		body := map[string]any{
			"allowed_email_domains":  strings.Fields(r.PostFormValue("allowed_email_domains")),
			"attachment_limit_bytes": formNumber(r.PostFormValue("attachment_limit_mb"), 1e6),
			"link_ttl_hours":         formNumber(r.PostFormValue("link_ttl_hours"), 1),
			"export_disabled":        r.PostFormValue("export_enabled") == "",
			"export_account_domains": strings.Fields(r.PostFormValue("export_account_domains")),
			"max_cell_bytes":         formNumber(r.PostFormValue("max_cell_mib"), 1<<20),
			"run_limits": facteur.RunLimits{
				MaxDurationSeconds: formNumber(r.PostFormValue("max_minutes"), 60),
				MaxRows:            formNumber(r.PostFormValue("max_rows"), 1),
				MaxBytes:           formNumber(r.PostFormValue("max_mib"), 1<<20),
			},
		}
		var err error
		if p.Error, status, err = refusal(s.call(r, "PUT", "/api/v1/settings/policy", body, &p.Policy)); err != nil {
			return err
		} else if p.Error == "" {
			v.Flash = text("done.policy")
		} else {
			p.Typed = r.PostForm
		}
	}
	if err := s.call(r, "GET", "/api/v1/settings/policy", nil, &p.Policy); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("settings.policy"), "settings", p
	s.render(w, status, "settings_policy", v)
	return nil
}

type usersPage struct {
	Users []*facteur.User
	Roles []facteur.Role
	Error string
}

func (s *Server) settingsUsers(w http.ResponseWriter, r *http.Request, v view) error {
	p := usersPage{Roles: facteur.Roles}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		var err error
		body := map[string]any{"role": r.PostFormValue("role")}
		if pw := r.PostFormValue("password"); pw != "" {
			body["password"] = pw
		}
		if id := r.PostFormValue("id"); id != "" {
			body["active"] = r.PostFormValue("active") != ""
			err = s.call(r, "PUT", "/api/v1/users/"+url.PathEscape(id), body, nil)
		} else {
			body["email"], body["name"] = r.PostFormValue("email"), r.PostFormValue("name")
			err = s.call(r, "POST", "/api/v1/users", body, nil)
		}
		if p.Error, status, err = refusal(err); err != nil {
			return err
		} else if p.Error == "" {
			v.Flash = text("done.user")
		}
	}
	if err := s.call(r, "GET", "/api/v1/users", nil, &p.Users); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("settings.users"), "settings", p
	s.render(w, status, "settings_users", v)
	return nil
}

type auditPage struct {
	Entries []*facteur.AuditEntry
	Action  string
	CSVURL  string
	NextURL string
}

func (s *Server) settingsAudit(w http.ResponseWriter, r *http.Request, v view) error {
	q := url.Values{"limit": {"100"}}
	for _, k := range []string{"action", "actor_id", "before"} {
		if x := strings.TrimSpace(r.URL.Query().Get(k)); x != "" {
			q.Set(k, x)
		}
	}
	p := auditPage{Action: q.Get("action")}
	if err := s.call(r, "GET", "/api/v1/audit?"+q.Encode(), nil, &p.Entries); err != nil {
		return err
	}
	csv := url.Values{"format": {"csv"}, "limit": {"10000"}}
	if p.Action != "" {
		csv.Set("action", p.Action)
	}
	p.CSVURL = "/api/v1/audit?" + csv.Encode()
	if len(p.Entries) == 100 {
		q.Set("before", strconv.FormatInt(p.Entries[99].ID, 10))
		q.Del("limit")
		p.NextURL = "/settings/audit?" + q.Encode()
	}
	v.Title, v.Section, v.Data = text("settings.audit"), "settings", p
	s.render(w, http.StatusOK, "settings_audit", v)
	return nil
}

type tokensPage struct {
	Tokens []*facteur.Token
	New    string // the token just created, shown once
	Error  string
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request, v view) error {
	var p tokensPage
	status := http.StatusOK
	if r.Method == http.MethodPost {
		var err error
		done := ""
		switch id := r.PostFormValue("delete"); {
		case r.PostFormValue("new_password") != "":
			// A new password ends every session of the account: log in again.
			body := map[string]string{"current_password": r.PostFormValue("current_password"), "new_password": r.PostFormValue("new_password")}
			err = s.call(r, "PUT", "/api/v1/me/password", body, nil)
			if err == nil {
				redirectWith(w, r, "/login", text("done.password"))
				return nil
			}
		case id != "":
			err, done = s.call(r, "DELETE", "/api/v1/tokens/"+url.PathEscape(id), nil, nil), text("done.token_deleted")
		default:
			days, _ := strconv.Atoi(r.PostFormValue("expires_in_days"))
			var created apitypes.NewToken
			err = s.call(r, "POST", "/api/v1/tokens", map[string]any{"name": r.PostFormValue("name"), "expires_in_days": days}, &created)
			p.New = created.Secret
		}
		if p.Error, status, err = refusal(err); err != nil {
			return err
		} else if p.Error == "" {
			v.Flash = done
		}
	}
	if err := s.call(r, "GET", "/api/v1/tokens", nil, &p.Tokens); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("tokens.title"), "tokens", p
	s.render(w, status, "tokens", v)
	return nil
}
