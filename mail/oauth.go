package mail

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/facteur/facteur"
)

// OAuth providers.
const (
	ProviderGoogle    = "google"
	ProviderMicrosoft = "microsoft"
	ProviderCustom    = "custom"
)

// refreshMargin is how long before its expiry an access token is refreshed,
// so that it is still valid when the SMTP server checks it.
const refreshMargin = 2 * time.Minute

// OAuth is the OAuth 2.0 client of the mail account and its tokens, for
// XOAUTH2. The caller stores it (tokens encrypted); Exchange, DeviceWait and
// Sender.OnToken return updated copies.
type OAuth struct {
	// Provider is "google", "microsoft" or "custom".
	Provider string `json:"provider"`
	// ClientID and ClientSecret identify Facteur's app registration at the
	// provider. The secret may be empty for a public client.
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty" secret:"true"`
	// TenantID is the Microsoft Entra tenant; default "common".
	TenantID string `json:"tenant_id,omitempty"`
	// AuthURL, TokenURL and DeviceURL are the provider's endpoints: filled
	// in for google and microsoft, required (TokenURL at least) for custom.
	AuthURL   string `json:"auth_url,omitempty"`
	TokenURL  string `json:"token_url,omitempty"`
	DeviceURL string `json:"device_url,omitempty"`
	// Scopes default to "https://mail.google.com/" for Google and
	// "https://outlook.office.com/SMTP.Send offline_access" for Microsoft.
	Scopes []string `json:"scopes,omitempty"`
	// AccessToken, RefreshToken and Expiry are the tokens obtained when the
	// account was connected, refreshed by Sender before they expire.
	AccessToken  string    `json:"access_token,omitempty" secret:"true"`
	RefreshToken string    `json:"refresh_token,omitempty" secret:"true"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

// Validate checks the OAuth client settings (not the tokens). It fails with
// EINVALID naming the field, such as "smtp.oauth.client_id: ...".
func (o OAuth) Validate() error {
	switch o.Provider {
	case ProviderGoogle, ProviderMicrosoft:
	case ProviderCustom:
		if o.TokenURL == "" {
			return facteur.Errorf(facteur.EINVALID, "smtp.oauth.token_url: give the token endpoint of the custom provider")
		}
	case "":
		return facteur.Errorf(facteur.EINVALID, "smtp.oauth.provider: choose google, microsoft or custom")
	default:
		return facteur.Errorf(facteur.EINVALID, "smtp.oauth.provider: unknown provider %q; use google, microsoft or custom", o.Provider)
	}
	if err := checkLengths("smtp.oauth.", []field{{"client_id", o.ClientID, 1024}, {"client_secret", o.ClientSecret, 1024}, {"tenant_id", o.TenantID, 256},
		{"auth_url", o.AuthURL, 2048}, {"token_url", o.TokenURL, 2048}, {"device_url", o.DeviceURL, 2048},
		{"access_token", o.AccessToken, 16 << 10}, {"refresh_token", o.RefreshToken, 16 << 10}}); err != nil {
		return err
	}
	if len(o.Scopes) > 20 {
		return facteur.Errorf(facteur.EINVALID, "smtp.oauth.scopes: at most 20 scopes")
	}
	for i, sc := range o.Scopes {
		if len(sc) > 512 || strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return facteur.Errorf(facteur.EINVALID, "smtp.oauth.scopes[%d]: a scope is one word of at most 512 bytes", i)
		}
	}
	if strings.TrimSpace(o.ClientID) == "" {
		return facteur.Errorf(facteur.EINVALID, "smtp.oauth.client_id: give the client ID of the app registered at %s", o.Provider)
	}
	if strings.ContainsAny(o.TenantID, "/?#: ") {
		return facteur.Errorf(facteur.EINVALID, "smtp.oauth.tenant_id: %q is not a tenant ID or domain", o.TenantID)
	}
	for _, u := range []struct{ field, v string }{
		{"smtp.oauth.auth_url", o.AuthURL}, {"smtp.oauth.token_url", o.TokenURL}, {"smtp.oauth.device_url", o.DeviceURL},
	} {
		if u.v != "" {
			if err := validURL(u.field, u.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// withDefaults fills in the provider's endpoints and scopes.
func (o OAuth) withDefaults() OAuth {
	var authURL, tokenURL, deviceURL string
	var scopes []string
	switch o.Provider {
	case ProviderGoogle:
		authURL = "https://accounts.google.com/o/oauth2/auth"
		tokenURL = "https://oauth2.googleapis.com/token"
		deviceURL = "https://oauth2.googleapis.com/device/code"
		scopes = []string{"https://mail.google.com/"}
	case ProviderMicrosoft:
		tenant := o.TenantID
		if tenant == "" {
			tenant = "common"
		}
		base := "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/"
		authURL, tokenURL, deviceURL = base+"authorize", base+"token", base+"devicecode"
		scopes = []string{"https://outlook.office.com/SMTP.Send", "offline_access"}
	}
	if o.AuthURL == "" {
		o.AuthURL = authURL
	}
	if o.TokenURL == "" {
		o.TokenURL = tokenURL
	}
	if o.DeviceURL == "" {
		o.DeviceURL = deviceURL
	}
	if len(o.Scopes) == 0 {
		o.Scopes = scopes
	}
	return o
}

// config returns the x/oauth2 configuration of o (with defaults).
func (o OAuth) config(redirectURL string) *oauth2.Config {
	o = o.withDefaults()
	return &oauth2.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: o.AuthURL, TokenURL: o.TokenURL, DeviceAuthURL: o.DeviceURL},
		RedirectURL:  redirectURL,
		Scopes:       o.Scopes,
	}
}

// withToken returns o holding the tokens of t.
func (o OAuth) withToken(t *oauth2.Token) OAuth {
	o.AccessToken, o.Expiry = t.AccessToken, t.Expiry
	if t.RefreshToken != "" {
		o.RefreshToken = t.RefreshToken
	}
	return o
}

// HTTPContext returns ctx carrying the HTTP client that the OAuth functions
// of this package use for the provider's endpoints: connections go through
// dial (nil: a plain dialer), so that the outbound guard applies, and each
// request is bounded by timeout (zero: DefaultTimeout). Without it they use
// a client with DefaultTimeout.
func HTTPContext(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), timeout time.Duration) context.Context {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if dial != nil {
		tr.DialContext = dial
	}
	return context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: tr, Timeout: timeout})
}

// httpContext makes sure ctx carries an HTTP client with a timeout.
func httpContext(ctx context.Context) context.Context {
	if _, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		return ctx
	}
	return HTTPContext(ctx, nil, DefaultTimeout)
}

// AuthCodeURL starts the authorisation-code flow with PKCE: it returns the
// provider's URL to send the user's browser to, which redirects back to
// redirectURL with state and a code, and the PKCE verifier that the caller
// keeps (with state) until it calls Exchange.
func AuthCodeURL(o OAuth, redirectURL, state string) (authURL, verifier string) {
	verifier = oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if o.Provider == ProviderGoogle {
		// Google issues a refresh token only for offline access, and again
		// only when the user is asked for consent.
		opts = append(opts, oauth2.AccessTypeOffline, oauth2.ApprovalForce)
	}
	return o.config(redirectURL).AuthCodeURL(state, opts...), verifier
}

// Exchange completes the authorisation-code flow: it trades the code the
// provider sent to redirectURL, with the verifier from AuthCodeURL, for
// tokens, and returns o holding them. Errors carry EUNAUTHORIZED when the
// provider refused the code or the client, EUNAVAILABLE when it could not
// be reached.
func Exchange(ctx context.Context, o OAuth, redirectURL, code, verifier string) (OAuth, error) {
	tok, err := o.config(redirectURL).Exchange(httpContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return OAuth{}, oauthError(ctx, err)
	}
	return o.withToken(tok), nil
}

// DeviceAuth starts the device authorisation grant: the response holds the
// code to show the user (UserCode) and where to enter it
// (VerificationURI). Then call DeviceWait. Google does not offer the
// https://mail.google.com/ scope through this grant: use the
// authorisation-code flow for Gmail.
func DeviceAuth(ctx context.Context, o OAuth) (*oauth2.DeviceAuthResponse, error) {
	if o.withDefaults().DeviceURL == "" {
		return nil, facteur.Errorf(facteur.EINVALID, "smtp.oauth.device_url: give the device authorisation endpoint of the custom provider")
	}
	da, err := o.config("").DeviceAuth(httpContext(ctx))
	if err != nil {
		return nil, oauthError(ctx, err)
	}
	return da, nil
}

// DeviceWait polls the provider until the user has entered the code of da
// (or declined, or the code expired) and returns o holding the tokens. It
// honours ctx and the code's expiry. Errors: EUNAUTHORIZED when the user
// declined, EINVALID when the code expired, EUNAVAILABLE when the provider
// could not be reached.
func DeviceWait(ctx context.Context, o OAuth, da *oauth2.DeviceAuthResponse) (OAuth, error) {
	tok, err := o.config("").DeviceAccessToken(httpContext(ctx), da)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return OAuth{}, facteur.WrapError(facteur.ECANCELLED, err, "Stopped waiting for the code to be entered: start connecting the account again.")
		case errors.Is(err, context.DeadlineExceeded): // the code's own expiry
			return OAuth{}, facteur.WrapError(facteur.EINVALID, err, "The code was not entered in time: start connecting the account again.")
		}
		return OAuth{}, oauthError(ctx, err)
	}
	return o.withToken(tok), nil
}

// oauthError turns an error of x/oauth2 into one a user can act on.
func oauthError(ctx context.Context, err error) error {
	var re *oauth2.RetrieveError
	var userErr *facteur.Error
	switch {
	case errors.As(err, &userErr): // from the dialer, e.g. the outbound guard
		return userErr
	case errors.Is(ctx.Err(), context.Canceled):
		return facteur.WrapError(facteur.ECANCELLED, err, "Connecting to the mail account was cancelled.")
	case ctx.Err() != nil:
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The mail provider's OAuth server did not answer in time; it will be tried again.")
	case errors.As(err, &re):
		return retrieveError(re)
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot reach the mail provider's OAuth server; it will be tried again.")
}

// retrieveError maps an OAuth error response (RFC 6749 5.2, RFC 8628 3.5).
func retrieveError(re *oauth2.RetrieveError) error {
	detail := re.ErrorCode
	if re.ErrorDescription != "" {
		detail += ": " + re.ErrorDescription
	}
	switch re.ErrorCode {
	case "invalid_grant":
		return facteur.WrapError(facteur.EUNAUTHORIZED, re, "The mail account's authorisation was revoked or expired: connect the account again in Settings → Mail.")
	case "invalid_client", "unauthorized_client":
		return facteur.WrapError(facteur.EUNAUTHORIZED, re, "The mail provider refused Facteur's OAuth client (%s): check the client ID and secret in Settings → Mail.", detail)
	case "access_denied":
		return facteur.WrapError(facteur.EUNAUTHORIZED, re, "Access to the mail account was declined: connect the account again and allow sending mail.")
	case "expired_token":
		return facteur.WrapError(facteur.EINVALID, re, "The code was not entered in time: start connecting the account again.")
	case "invalid_scope":
		return facteur.WrapError(facteur.EINVALID, re, "smtp.oauth.scopes: the provider refused the scopes (%s).", detail)
	}
	if re.Response != nil && (re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests) {
		return facteur.WrapError(facteur.EUNAVAILABLE, re, "The mail provider's OAuth server failed (HTTP %d); it will be tried again.", re.Response.StatusCode)
	}
	if detail == "" && re.Response != nil {
		detail = re.Response.Status
	}
	return facteur.WrapError(facteur.EINVALID, re, "The mail provider's OAuth server refused the request: %s.", detail)
}
