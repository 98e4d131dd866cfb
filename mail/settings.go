// Package mail sends Facteur's e-mails over SMTP (PRODUCT D1, D2): the
// central SMTP settings, a Message with text, HTML and attachments streamed
// from disk, and a Sender that authenticates with a password or with OAuth
// 2.0 (XOAUTH2, Google and Microsoft 365), refreshing the access token
// before it expires. It keeps nothing itself: settings, tokens and messages
// are plain structs that the caller stores.
package mail

import (
	"crypto/x509"
	"encoding/json"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/strictjson"
)

// Security modes of the connection to the SMTP server.
const (
	SecurityStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required (port 587)
	SecurityTLS      = "tls"      // TLS from the first byte, "SMTPS" (port 465)
	SecurityNone     = "none"     // no encryption; see Settings.Security
)

// Authentication mechanisms.
const (
	AuthPlain   = "plain"
	AuthLogin   = "login"
	AuthXOAuth2 = "xoauth2"
	AuthNone    = "none"
)

// DefaultTimeout bounds each network step (connect, each read and write,
// each OAuth request) when Settings.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Settings is the server's central SMTP configuration, stored as JSON.
// Secret fields (tag secret:"true") are write-only: see Redact and
// KeepSecrets.
type Settings struct {
	// Host is the SMTP server's name or IP address. Required.
	Host string `json:"host"`
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int `json:"port,omitempty"`
	// Security is "starttls" (default), "tls" (implicit TLS) or "none".
	// "none" sends everything in clear, so it is refused together with a
	// password unless the host is a loopback address (a local relay); it
	// is accepted without authentication, for a relay on a trusted network.
	Security string `json:"security,omitempty"`
	// Username is the account to log in as (for xoauth2: the mailbox address).
	Username string `json:"username,omitempty"`
	// Password is the account's password (or app password).
	Password string `json:"password,omitempty" secret:"true"`
	// Auth is "plain" (the default when a password is set), "login",
	// "xoauth2" (the default when OAuth is set) or "none".
	Auth string `json:"auth,omitempty"`
	// From is the sender of every mail, such as "Facteur <facteur@example.org>". Required.
	From string `json:"from"`
	// OAuth holds the OAuth 2.0 client and tokens for xoauth2.
	OAuth *OAuth `json:"oauth,omitempty"`
	// CACert is PEM text of the certificate authorities to trust for this
	// server instead of the system's, for a server with a private CA.
	CACert string `json:"ca_cert,omitempty"`
	// Timeout bounds connecting and every read or write without progress,
	// and each OAuth request; default 30 s.
	Timeout time.Duration `json:"timeout_ns,omitempty"`
}

// ParseSettings decodes SMTP settings from JSON and validates them. It fails
// with EINVALID naming the field at fault, also for a field it does not know.
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := strictjson.Decode(raw, &s, strictjson.Options{Where: "smtp", Prefix: "smtp."}); err != nil {
		return Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// Validate checks the settings without connecting anywhere. It fails with
// EINVALID naming the field, such as "smtp.host: ...". OAuth tokens are not
// required: they are obtained after the settings are saved.
func (s Settings) Validate() error {
	s = s.withDefaults()
	if err := validHost(s.Host); err != nil {
		return err
	}
	if s.Port < 1 || s.Port > 65535 {
		return facteur.Errorf(facteur.EINVALID, "smtp.port: %d is not a port number; use 587 for STARTTLS or 465 for TLS", s.Port)
	}
	switch s.Security {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		return facteur.Errorf(facteur.EINVALID, "smtp.security: unknown value %q; use starttls, tls or none", s.Security)
	}
	switch s.Auth {
	case AuthPlain, AuthLogin:
		if s.Username == "" || s.Password == "" {
			return facteur.Errorf(facteur.EINVALID, "smtp.password: give the user name and password of the mail account, or set auth to none")
		}
	case AuthXOAuth2:
		if s.Username == "" {
			return facteur.Errorf(facteur.EINVALID, "smtp.username: give the address of the mail account to send as")
		}
		if s.OAuth == nil {
			return facteur.Errorf(facteur.EINVALID, "smtp.oauth: give the OAuth client (provider and client ID) for xoauth2")
		}
		if err := s.OAuth.Validate(); err != nil {
			return err
		}
	case AuthNone:
	default:
		return facteur.Errorf(facteur.EINVALID, "smtp.auth: unknown value %q; use plain, login, xoauth2 or none", s.Auth)
	}
	if s.Security == SecurityNone && s.Auth != AuthNone && !isLoopback(s.Host) {
		return facteur.Errorf(facteur.EINVALID, "smtp.security: none would send the credentials unencrypted to %s; use starttls or tls", s.Host)
	}
	if strings.ContainsAny(s.Username, "\r\n\x00") {
		return facteur.Errorf(facteur.EINVALID, "smtp.username: the user name contains a line break")
	}
	if s.From == "" {
		return facteur.Errorf(facteur.EINVALID, `smtp.from: give the sender address, such as "Facteur <facteur@example.org>"`)
	}
	if _, err := parseAddress(s.From); err != nil {
		return facteur.WrapError(facteur.EINVALID, err, "smtp.from: %q is not a valid address", s.From)
	}
	if s.CACert != "" {
		if _, err := certPool(s.CACert); err != nil {
			return err
		}
	}
	if s.Timeout < 0 || s.Timeout > MaxTimeout {
		return facteur.Errorf(facteur.EINVALID, "smtp.timeout_ns: from 0 (the default, %s) to %d (%s)", DefaultTimeout, MaxTimeout, MaxTimeout)
	}
	return checkLengths("smtp.", []field{{"host", s.Host, facteur.MaxHostName}, {"username", s.Username, 256}, {"password", s.Password, 1024},
		{"from", s.From, 512}, {"ca_cert", s.CACert, 256 << 10}})
}

// MaxTimeout is the longest timeout of a network step the settings take.
const MaxTimeout = time.Hour

// field is a text field of the settings and its limit in bytes.
type field struct {
	name, v string
	max     int
}

// checkLengths refuses a field longer than its limit, naming it with the
// given prefix.
func checkLengths(prefix string, fields []field) error {
	for _, f := range fields {
		if len(f.v) > f.max {
			return facteur.Errorf(facteur.EINVALID, "%s%s: at most %d bytes (this one has %d)", prefix, f.name, f.max, len(f.v))
		}
	}
	return nil
}

// withDefaults returns the settings with every default filled in.
func (s Settings) withDefaults() Settings {
	s.Host = strings.TrimSpace(s.Host)
	if s.Security == "" {
		s.Security = SecurityStartTLS
	}
	if s.Port == 0 {
		switch s.Security {
		case SecurityTLS:
			s.Port = 465
		case SecurityNone:
			s.Port = 25
		default:
			s.Port = 587
		}
	}
	if s.Auth == "" {
		switch {
		case s.OAuth != nil:
			s.Auth = AuthXOAuth2
		case s.Password != "":
			s.Auth = AuthPlain
		default:
			s.Auth = AuthNone
		}
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	return s
}

// validHost checks a host name or IP address.
func validHost(host string) error {
	switch {
	case host == "":
		return facteur.Errorf(facteur.EINVALID, "smtp.host: give the name of the SMTP server, such as smtp.example.org")
	case strings.ContainsAny(host, " \t\r\n\x00/@"), strings.Contains(host, "://"):
		return facteur.Errorf(facteur.EINVALID, "smtp.host: %q is not a host name; give only the name, such as smtp.example.org, and the port separately", host)
	case strings.Contains(host, ":") && net.ParseIP(host) == nil:
		return facteur.Errorf(facteur.EINVALID, "smtp.host: %q is not a host name; give the port in smtp.port", host)
	case !facteur.IsHostName(host):
		return facteur.Errorf(facteur.EINVALID, "smtp.host: %q is not a host name: use letters, digits, dots and dashes, not starting with a dash (e.g. smtp.example.org)", host)
	}
	return nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// certPool parses PEM certificates for smtp.ca_cert.
func certPool(pem string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pem)) {
		return nil, facteur.Errorf(facteur.EINVALID, "smtp.ca_cert: no PEM certificate found; paste the CA certificate starting with -----BEGIN CERTIFICATE-----")
	}
	return pool, nil
}

// parseAddress parses one address after replacing line breaks with spaces,
// so that a name cannot start a new header line.
func parseAddress(s string) (*mail.Address, error) {
	return mail.ParseAddress(oneLine(s))
}

// validURL checks an OAuth endpoint: HTTPS, or HTTP to a loopback host.
func validURL(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return facteur.Errorf(facteur.EINVALID, "%s: %q is not an https:// URL", field, s)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return facteur.Errorf(facteur.EINVALID, "%s: use https:// (plain http is only accepted for a loopback address)", field)
	}
	return nil
}

// Redact returns the settings without their secrets, for showing them, and
// the JSON names of the secrets that are set ("password",
// "oauth.client_secret", "oauth.access_token", "oauth.refresh_token").
func (s Settings) Redact() (Settings, []string) {
	var set []string
	if s.Password != "" {
		set = append(set, "password")
		s.Password = ""
	}
	if s.OAuth != nil {
		o := *s.OAuth
		for _, f := range []struct {
			name string
			v    *string
		}{{"oauth.client_secret", &o.ClientSecret}, {"oauth.access_token", &o.AccessToken}, {"oauth.refresh_token", &o.RefreshToken}} {
			if *f.v != "" {
				set = append(set, f.name)
				*f.v = ""
			}
		}
		s.OAuth = &o
	}
	return s, set
}

// KeepSecrets returns s where every empty secret takes its value from
// prev, so that a client can update the settings without knowing the
// secrets. Secrets are kept only while they go to the same place: the
// password and client secret only if the host is unchanged, the tokens only
// if the provider, tenant, client ID and token URL are unchanged too (a
// token is worthless elsewhere, and a password must not be sent to a host
// it was not given for).
func (s Settings) KeepSecrets(prev Settings) Settings {
	if !strings.EqualFold(strings.TrimSpace(s.Host), strings.TrimSpace(prev.Host)) {
		return s
	}
	if s.Password == "" {
		s.Password = prev.Password
	}
	if s.OAuth == nil || prev.OAuth == nil {
		return s
	}
	o, p := *s.OAuth, prev.OAuth
	if o.Provider != p.Provider || o.ClientID != p.ClientID || o.TenantID != p.TenantID || o.TokenURL != p.TokenURL {
		return s
	}
	if o.ClientSecret == "" {
		o.ClientSecret = p.ClientSecret
	}
	if o.AccessToken == "" && o.RefreshToken == "" {
		o.AccessToken, o.RefreshToken, o.Expiry = p.AccessToken, p.RefreshToken, p.Expiry
	}
	s.OAuth = &o
	return s
}
