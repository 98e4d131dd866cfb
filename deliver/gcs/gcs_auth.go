package gcs

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Key is what Facteur reads of a Google service account's JSON key.
type Key struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	TokenURI    string `json:"token_uri"`
}

// ParseKey checks a service account's JSON key, as the Cloud console
// downloads it: a "service_account" key with an e-mail, a private key in
// PEM and, if any, an https token URI. Other kinds of credentials
// (external accounts, user credentials) are refused: they would make
// Facteur fetch URLs the file names. It fails with EINVALID naming
// credentials_json; the message never quotes the key.
func ParseKey(s string) (Key, error) {
	const field = "credentials_json: "
	var k Key
	switch {
	case len(s) > maxKeyLen:
		return Key{}, facteur.Errorf(facteur.EINVALID, field+"at most %d bytes (this one has %d); paste the service account's JSON key file", maxKeyLen, len(s))
	case json.Unmarshal([]byte(s), &k) != nil:
		return Key{}, facteur.Errorf(facteur.EINVALID, field+"this is not a JSON key; paste the whole JSON key file of the service account (IAM → Service accounts → Keys → Add key → JSON)")
	case k.Type != "service_account":
		return Key{}, facteur.Errorf(facteur.EINVALID, field+"the key's \"type\" is %q; give the JSON key of a service account (\"type\": \"service_account\")", truncate(k.Type, 40))
	case k.ClientEmail == "" || len(k.ClientEmail) > 320 || !strings.Contains(k.ClientEmail, "@"):
		return Key{}, facteur.Errorf(facteur.EINVALID, field+"the key has no valid \"client_email\"; paste the whole JSON key file")
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return Key{}, facteur.Errorf(facteur.EINVALID, field+"the key's \"private_key\" is not a PEM private key; paste the whole JSON key file")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return Key{}, facteur.Errorf(facteur.EINVALID, field+"the key's \"private_key\" cannot be read; paste the whole JSON key file")
		}
	}
	if k.TokenURI != "" {
		u, err := url.Parse(k.TokenURI)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return Key{}, facteur.Errorf(facteur.EINVALID, field+"the key's \"token_uri\" is not an https URL")
		}
	}
	return k, nil
}

// truncate shortens s to at most n bytes, for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Client settings shared by Cloud Storage and BigQuery destinations.
const (
	// requestTimeout bounds one HTTP request, body included: a chunk of
	// 8 MiB at 1 Mbit/s.
	requestTimeout = 10 * time.Minute
	// headerTimeout bounds the wait for response headers once a request
	// is sent.
	headerTimeout = 2 * time.Minute
)

// Auth says how a Google client authenticates.
type Auth struct {
	// CredentialsJSON is a service account's JSON key; empty: the
	// environment's default credentials.
	CredentialsJSON string
	// Anonymous sends requests without credentials (an emulator).
	Anonymous bool
	// Scopes are the OAuth scopes the token is asked for.
	Scopes []string
}

// defaultTokenSource gives the tokens of the environment's default
// credentials, found at its first use.
type defaultTokenSource struct {
	ctx    context.Context
	scopes []string
	once   sync.Once
	ts     oauth2.TokenSource
	err    error
}

// Token returns a token of the default credentials; it fails with
// EINVALID when the environment has none.
func (d *defaultTokenSource) Token() (*oauth2.Token, error) {
	d.once.Do(func() {
		creds, err := google.FindDefaultCredentials(d.ctx, d.scopes...)
		if err != nil {
			d.err = facteur.WrapError(facteur.EINVALID, err, "No Google credentials were found on this server: paste a service account's JSON key in credentials_json, or run Facteur with default credentials (workload identity on Google Cloud, or GOOGLE_APPLICATION_CREDENTIALS).")
			return
		}
		d.ts = creds.TokenSource
	})
	if d.err != nil {
		return nil, d.err
	}
	return d.ts.Token()
}

// HTTPClient returns the HTTP client of a Google API client: every
// connection, the token's included, opened through env (the outbound
// guard), and every request authenticated as auth says. Redirects are not
// followed. It fails with EINVALID when the key cannot be used; without a
// key, the default credentials are looked for at the first request.
func HTTPClient(ctx context.Context, auth Auth, env deliver.Env) (*http.Client, error) {
	base := &http.Transport{
		DialContext:           env.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: headerTimeout,
		ExpectContinueTimeout: time.Second,
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	plain := &http.Client{Transport: base, Timeout: requestTimeout, CheckRedirect: noRedirect}
	if auth.Anonymous {
		return plain, nil
	}
	// The token is fetched with the guarded client, on a context that
	// outlives this call (the token source keeps it).
	tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, plain)
	var ts oauth2.TokenSource
	if auth.CredentialsJSON != "" {
		if _, err := ParseKey(auth.CredentialsJSON); err != nil {
			return nil, err
		}
		creds, err := google.CredentialsFromJSONWithType(tctx, []byte(auth.CredentialsJSON), google.ServiceAccount, auth.Scopes...)
		if err != nil {
			return nil, facteur.Errorf(facteur.EINVALID, "credentials_json: the service account's key cannot be used; paste the whole JSON key file")
		}
		ts = creds.TokenSource
	} else {
		// The default credentials are looked for at the first request,
		// not when the destination is saved or opened.
		ts = &defaultTokenSource{ctx: tctx, scopes: auth.Scopes}
	}
	return &http.Client{
		Transport:     &oauth2.Transport{Source: ts, Base: base},
		Timeout:       requestTimeout,
		CheckRedirect: noRedirect,
	}, nil
}
