package mail_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	good := mail.Settings{Host: "smtp.example.org", Username: user, Password: password, From: "Facteur <facteur@example.org>"}
	google := &mail.OAuth{Provider: mail.ProviderGoogle, ClientID: "id"}
	tests := []struct {
		name string
		edit func(*mail.Settings)
		want string // "" for valid, else the start of the message
	}{
		{"defaults", func(s *mail.Settings) {}, ""},
		{"implicit tls", func(s *mail.Settings) { s.Security = mail.SecurityTLS }, ""},
		{"relay without auth or tls", func(s *mail.Settings) { s.Security, s.Password, s.Username = mail.SecurityNone, "", "" }, ""},
		{"password in clear to loopback", func(s *mail.Settings) { s.Host, s.Security = "127.0.0.1", mail.SecurityNone }, ""},
		{"xoauth2", func(s *mail.Settings) { s.Password, s.OAuth = "", google }, ""},
		{"ipv6 host", func(s *mail.Settings) { s.Host = "::1" }, ""},
		{"no host", func(s *mail.Settings) { s.Host = "" }, "smtp.host:"},
		{"url as host", func(s *mail.Settings) { s.Host = "smtp://smtp.example.org" }, "smtp.host:"},
		{"port in host", func(s *mail.Settings) { s.Host = "smtp.example.org:587" }, "smtp.host:"},
		{"host like an option", func(s *mail.Settings) { s.Host = "-smtp.example.org" }, "smtp.host: \"-smtp.example.org\" is not a host name"},
		{"bad port", func(s *mail.Settings) { s.Port = 70000 }, "smtp.port:"},
		{"bad security", func(s *mail.Settings) { s.Security = "ssl" }, "smtp.security:"},
		{"password in clear", func(s *mail.Settings) { s.Security = mail.SecurityNone }, "smtp.security:"},
		{"bad auth", func(s *mail.Settings) { s.Auth = "cram-md5" }, "smtp.auth:"},
		{"plain without password", func(s *mail.Settings) { s.Auth, s.Password = mail.AuthPlain, "" }, "smtp.password:"},
		{"xoauth2 without oauth", func(s *mail.Settings) { s.Auth, s.Password = mail.AuthXOAuth2, "" }, "smtp.oauth:"},
		{"xoauth2 without user", func(s *mail.Settings) { s.Password, s.OAuth, s.Username = "", google, "" }, "smtp.username:"},
		{"oauth without provider", func(s *mail.Settings) { s.OAuth = &mail.OAuth{ClientID: "id"} }, "smtp.oauth.provider:"},
		{"oauth without client", func(s *mail.Settings) { s.OAuth = &mail.OAuth{Provider: mail.ProviderMicrosoft} }, "smtp.oauth.client_id:"},
		{"custom without token url", func(s *mail.Settings) { s.OAuth = &mail.OAuth{Provider: mail.ProviderCustom, ClientID: "id"} }, "smtp.oauth.token_url:"},
		{"custom over http", func(s *mail.Settings) {
			s.OAuth = &mail.OAuth{Provider: mail.ProviderCustom, ClientID: "id", TokenURL: "http://idp.example.org/token"}
		}, "smtp.oauth.token_url:"},
		{"no from", func(s *mail.Settings) { s.From = "" }, "smtp.from:"},
		{"bad from", func(s *mail.Settings) { s.From = "Facteur facteur@example.org" }, "smtp.from:"},
		{"bad ca", func(s *mail.Settings) { s.CACert = "not a certificate" }, "smtp.ca_cert:"},
		{"negative timeout", func(s *mail.Settings) { s.Timeout = -1 }, "smtp.timeout_ns:"},
	}
	for _, tc := range tests {
		s := good
		tc.edit(&s)
		err := s.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tc.name, err)
		case tc.want != "" && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), tc.want)):
			t.Errorf("%s: Validate = %v, want EINVALID %q…", tc.name, err, tc.want)
		}
	}
}

func TestParseSettings(t *testing.T) {
	t.Parallel()
	s, err := mail.ParseSettings(json.RawMessage(`{"host":"smtp.office365.com","username":"a@example.org",
		"from":"a@example.org","oauth":{"provider":"microsoft","client_id":"id","refresh_token":"r"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.OAuth == nil || s.OAuth.RefreshToken != "r" || s.Host != "smtp.office365.com" {
		t.Errorf("ParseSettings = %+v", s)
	}
	for raw, want := range map[string]string{
		`{"host":"h","from":"a@b","passwd":"x"}`: "smtp.passwd: unknown field",
		`{"host":"h","from":"a@b","port":"587"}`: "smtp.port: expected a whole number",
		`{"host":"h"`:                            "smtp: ",
		`{"host":"h","from":"a@b"} {}`:           "smtp: expected a single JSON object",
		`{"from":"a@b"}`:                         "smtp.host:",
	} {
		_, err := mail.ParseSettings(json.RawMessage(raw))
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), want) {
			t.Errorf("ParseSettings(%s) = %v, want EINVALID %q…", raw, err, want)
		}
	}
}

func TestRedactKeepSecrets(t *testing.T) {
	t.Parallel()
	stored := mail.Settings{Host: "smtp.example.org", Username: user, Password: password, From: user,
		OAuth: &mail.OAuth{Provider: mail.ProviderGoogle, ClientID: "id", ClientSecret: "cs", AccessToken: "at", RefreshToken: "rt"}}
	shown, set := stored.Redact()
	if want := []string{"password", "oauth.client_secret", "oauth.access_token", "oauth.refresh_token"}; !slices.Equal(set, want) {
		t.Errorf("secrets set = %q, want %q", set, want)
	}
	raw, _ := json.Marshal(shown)
	for _, secret := range []string{password, `"cs"`, `"at"`, `"rt"`} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("redacted settings show %s: %s", secret, raw)
		}
	}
	if stored.OAuth.RefreshToken != "rt" {
		t.Error("Redact changed the stored settings")
	}

	// Every field tagged secret is redacted.
	for _, typ := range []reflect.Type{reflect.TypeFor[mail.Settings](), reflect.TypeFor[mail.OAuth]()} {
		for f := range typ.Fields() {
			if f.Tag.Get("secret") == "true" && !strings.Contains(strings.Join(set, " "), strings.TrimSuffix(f.Tag.Get("json"), ",omitempty")) {
				t.Errorf("secret field %s.%s is not redacted", typ.Name(), f.Name)
			}
		}
	}

	// An update without secrets keeps them; moving to another host does not.
	kept := shown.KeepSecrets(stored)
	if kept.Password != password || kept.OAuth.ClientSecret != "cs" || kept.OAuth.RefreshToken != "rt" {
		t.Errorf("KeepSecrets = %+v %+v", kept, kept.OAuth)
	}
	moved := shown
	moved.Host = "smtp.attacker.example"
	if got := moved.KeepSecrets(stored); got.Password != "" || got.OAuth.RefreshToken != "" {
		t.Errorf("secrets kept for another host: %+v %+v", got, got.OAuth)
	}
	other := shown
	other.OAuth = &mail.OAuth{Provider: mail.ProviderGoogle, ClientID: "another-client"}
	if got := other.KeepSecrets(stored); got.Password != password || got.OAuth.RefreshToken != "" || got.OAuth.ClientSecret != "" {
		t.Errorf("tokens kept for another OAuth client: %+v", got.OAuth)
	}
}

func TestNewMessageID(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^<[a-z2-7]{26}@([a-z0-9.-]+)>$`)
	for host, want := range map[string]string{
		"example.org": "example.org", "Mail.Example.ORG": "mail.example.org", "": "facteur.invalid",
		"bad host\r\n": "facteur.invalid", "<x@y>": "facteur.invalid",
	} {
		id := mail.NewMessageID(host)
		m := valid.FindStringSubmatch(id)
		if m == nil || m[1] != want {
			t.Errorf("NewMessageID(%q) = %q, want <random@%s>", host, id, want)
		}
	}
	if a, b := mail.NewMessageID("example.org"), mail.NewMessageID("example.org"); a == b {
		t.Error("two Message-IDs are equal")
	}
}
