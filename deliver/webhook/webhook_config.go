package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Webhook modes: what the POST carries.
const (
	ModeFile = "file" // the file itself is the body
	ModeJSON = "json" // a JSON description of the file, with a download link when there is one
)

// Limits of a webhook's settings.
const (
	DefaultTimeout        = 60   // seconds
	webhookMaxTimeout     = 3600 // seconds
	webhookMinSecret      = 16   // bytes
	webhookMaxURL         = 2048 // bytes
	webhookMaxSecret      = 1024 // bytes
	webhookMaxHeaders     = 50
	webhookMaxHeaderValue = 8192 // bytes
)

// Config is the JSON config of a "webhook" destination (PRODUCT D6):
// an HTTP(S) endpoint of the partner that receives each file in a signed
// POST request.
type Config struct {
	// URL is the http:// or https:// address files are posted to.
	// Required. Redirects are not followed: give the final URL. It may not
	// contain a user name or password (give credentials in Headers).
	URL string `json:"url"`
	// Secret is the key of the HMAC-SHA-256 signature of every request (see
	// Webhook), shared with the receiver. Required, at least 16 characters;
	// write-only: the API never returns it.
	Secret string `json:"secret" secret:"true"`
	// Mode is "file" (default): the body is the file, with a Content-Type
	// from its extension; or "json": the body is a JSON object describing
	// the file (see Payload).
	Mode string `json:"mode,omitempty"`
	// Timeout is how long, in seconds, Facteur waits on the receiver at each
	// step: to connect, for the upload to move on, for the answer once the
	// file is sent. A large file may take longer in total as long as it
	// keeps moving. Default 60, at most 3600.
	Timeout int `json:"timeout,omitempty"`
	// Headers are extra request headers, such as an Authorization the
	// receiver asks for. Optional. Host, Content-Length, Content-Type,
	// hop-by-hop headers, Idempotency-Key and Facteur-* headers are set by
	// Facteur and cannot be given; names and values may not contain line
	// breaks. They often carry a credential, so they are secret like the
	// signing secret: never shown, kept when an update leaves them out,
	// cleared by {}.
	Headers map[string]string `json:"headers,omitempty" secret:"true"`
}

// ParseConfig decodes the config of a webhook destination, fills
// its defaults and validates it. It fails with EINVALID naming the field at
// fault, also for a field it does not know.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, facteur.Errorf(facteur.EINVALID, "url: give the http:// or https:// URL to post files to")
	}
	if err := deliver.DecodeConfig(raw, &cfg, "a webhook destination has "+webhookFields, map[string]string{"timeout": "a whole number of seconds", "headers": `an object of header names and values, such as {"Authorization": "Bearer …"}`, "headers:string": "a string as every header's value"}); err != nil {
		return Config{}, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// withDefaults returns the config with its defaults filled in: the one
// place where defaults are set.
func (c Config) withDefaults() Config {
	c.URL = strings.TrimSpace(c.URL)
	if c.Mode == "" {
		c.Mode = ModeFile
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate checks the fields of the config without any network access
// (defaults must already be filled in: ParseConfig and New do
// it). It fails with EINVALID naming the field. Whether the URL's host is
// an address Facteur may reach is the outbound guard's decision, made when
// the destination is saved and again at every connection.
func (c Config) Validate() error {
	if err := ValidateURL(c.URL); err != nil {
		return err
	}
	switch {
	case c.Secret == "":
		return facteur.Errorf(facteur.EINVALID, "secret: give the secret that signs every request (at least %d characters), and share it with the receiver", webhookMinSecret)
	case len(c.Secret) > webhookMaxSecret:
		return facteur.Errorf(facteur.EINVALID, "secret: at most %d characters (this one has %d)", webhookMaxSecret, len(c.Secret))
	case len(c.Secret) < webhookMinSecret:
		return facteur.Errorf(facteur.EINVALID, "secret: the secret is %d characters long; use at least %d, such as a random string from a password generator", len(c.Secret), webhookMinSecret)
	case c.Mode != ModeFile && c.Mode != ModeJSON:
		return facteur.Errorf(facteur.EINVALID, "mode: use %q to post the file or %q to post a JSON description of it", ModeFile, ModeJSON)
	case c.Timeout < 1 || c.Timeout > webhookMaxTimeout:
		return facteur.Errorf(facteur.EINVALID, "timeout: give a number of seconds between 1 and %d (default %d)", webhookMaxTimeout, DefaultTimeout)
	}
	return validateWebhookHeaders(c.Headers)
}

// timeout returns the config's timeout as a duration.
func (c Config) timeout() time.Duration { return time.Duration(c.Timeout) * time.Second }

// ValidateURL checks that raw is an absolute http:// or https:// URL with a
// host and without a user name or password (the URL is shown to anyone who
// can read the destination). It fails with EINVALID naming the "url"
// field. It does not judge the host: the outbound guard does.
func ValidateURL(raw string) error {
	const example = "such as https://partner.example.com/facteur"
	if raw == "" {
		return facteur.Errorf(facteur.EINVALID, "url: give the http:// or https:// URL to post files to, %s", example)
	}
	if len(raw) > webhookMaxURL {
		return facteur.Errorf(facteur.EINVALID, "url: the URL is %d bytes long; the limit is %d", len(raw), webhookMaxURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return facteur.Errorf(facteur.EINVALID, "url: not a valid URL; give one %s", example)
	case u.Scheme != "http" && u.Scheme != "https":
		return facteur.Errorf(facteur.EINVALID, "url: use an http:// or https:// URL, %s", example)
	case u.Opaque != "" || u.Hostname() == "":
		return facteur.Errorf(facteur.EINVALID, "url: the URL has no host; give one %s", example)
	case u.User != nil:
		return facteur.Errorf(facteur.EINVALID, "url: remove the user name and password from the URL; give credentials in headers, such as Authorization")
	}
	return nil
}

// validateWebhookHeaders checks the extra headers of a webhook.
func validateWebhookHeaders(h map[string]string) error {
	if len(h) > webhookMaxHeaders {
		return facteur.Errorf(facteur.EINVALID, "headers: at most %d headers (there are %d)", webhookMaxHeaders, len(h))
	}
	seen := make(map[string]string, len(h))
	for name, value := range h {
		if len(name) > 256 || len(value) > webhookMaxHeaderValue {
			return facteur.Errorf(facteur.EINVALID, "headers: a name has at most 256 bytes and a value at most %d", webhookMaxHeaderValue)
		}
		canon := http.CanonicalHeaderKey(name)
		switch {
		case !validHeaderName(name):
			return facteur.Errorf(facteur.EINVALID, "headers: %q is not a header name; use letters, digits and hyphens, such as \"Authorization\"", name)
		case webhookReservedHeader(canon):
			return facteur.Errorf(facteur.EINVALID, "headers.%s: Facteur sets this header itself; remove it", name)
		case seen[canon] != "":
			return facteur.Errorf(facteur.EINVALID, "headers.%s: given twice (as %q and %q)", name, seen[canon], name)
		case strings.ContainsAny(value, "\r\n\x00"):
			return facteur.Errorf(facteur.EINVALID, "headers.%s: the value contains a line break or NUL", name)
		}
		for _, r := range value {
			if (r < ' ' && r != '\t') || r == 0x7f {
				return facteur.Errorf(facteur.EINVALID, "headers.%s: the value contains a control character", name)
			}
		}
		seen[canon] = name
	}
	return nil
}

// validHeaderName reports whether s is an HTTP header name (an RFC 9110
// token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// webhookReservedHeader reports whether Facteur or the HTTP client sets
// the (canonical) header itself.
func webhookReservedHeader(canon string) bool {
	switch canon {
	case "Host", "Content-Length", "Content-Type", "Content-Encoding", "Content-Disposition", "Transfer-Encoding",
		"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Upgrade", "Expect", "Idempotency-Key":
		return true
	}
	return strings.HasPrefix(canon, "Facteur-")
}

// webhookFields are the fields of a webhook destination's config.
const webhookFields = `"url", "secret", "mode", "timeout" and "headers"`
