package gcs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/facteur/facteur"
)

// Each error Google can answer becomes a message that says what to do,
// with a code that says whether a retry can help; none quotes the key.
func TestGoogleErrors(t *testing.T) {
	key, err := os.ReadFile("testdata/service-account.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &GCS{cfg: Config{Bucket: "exports", CredentialsJSON: string(key)}}
	api := func(code int, reason, msg string) error {
		return fmt.Errorf("upload: %w", &googleapi.Error{Code: code, Message: msg, Errors: []googleapi.ErrorItem{{Reason: reason, Message: msg}}})
	}
	token := func(code int, oauthCode, desc string) error {
		return fmt.Errorf("Post token: %w", &oauth2.RetrieveError{Response: &http.Response{StatusCode: code}, ErrorCode: oauthCode, ErrorDescription: desc})
	}
	for _, tc := range []struct {
		name  string
		err   error
		code  string
		words []string
	}{
		{"bucket missing", api(404, "notFound", "The specified bucket does not exist."), facteur.EINVALID, []string{"Bucket exports does not exist"}},
		{"permission denied", api(403, "forbidden", "facteur@facteur-test.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object."),
			facteur.EUNAUTHORIZED, []string{"Permission denied", "service account facteur@facteur-test.iam.gserviceaccount.com", "roles/storage.objectCreator", "storage.objects.create"}},
		{"rate limited", api(403, "rateLimitExceeded", "rate"), facteur.EUNAVAILABLE, []string{"tried again"}},
		{"credentials refused", api(401, "required", "Invalid Credentials"), facteur.EUNAUTHORIZED, []string{"invalid or was revoked", "new JSON key"}},
		{"key revoked", token(400, "invalid_grant", "Invalid JWT Signature."), facteur.EUNAUTHORIZED, []string{"refused the key", "deleted or disabled", "Invalid JWT Signature", "credentials_json"}},
		{"account deleted", token(401, "invalid_client", "The OAuth client was not found."), facteur.EUNAUTHORIZED, []string{"refused the key"}},
		{"token service down", token(503, "", ""), facteur.EUNAVAILABLE, []string{"tried again"}},
		{"server error", api(503, "backendError", "Backend Error"), facteur.EUNAVAILABLE, []string{"unavailable", "tried again"}},
		{"too many requests", api(429, "rateLimitExceeded", "slow down"), facteur.EUNAVAILABLE, []string{"tried again"}},
		{"bad request", api(400, "invalid", "Invalid argument."), facteur.EINVALID, []string{"refused the request", "Invalid argument"}},
		{"network", errors.New("dial tcp: connection refused"), facteur.EUNAVAILABLE, []string{"Cannot reach Google Cloud"}},
		{"cancelled", context.Canceled, facteur.ECANCELLED, []string{"cancelled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := g.apiError(context.Background(), tc.err)
			if c := facteur.ErrorCode(got); c != tc.code {
				t.Errorf("code %q, want %q (%v)", c, tc.code, got)
			}
			msg := facteur.ErrorMessage(got)
			for _, w := range tc.words {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q should contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "PRIVATE KEY") || strings.Contains(got.Error(), "PRIVATE KEY") {
				t.Errorf("message quotes the key: %q", msg)
			}
		})
	}
	// Without a key, the message names the default credentials.
	g.cfg.CredentialsJSON = ""
	if msg := facteur.ErrorMessage(g.apiError(context.Background(), api(403, "forbidden", "no"))); !strings.Contains(msg, "default credentials") {
		t.Errorf("message %q should name the default credentials", msg)
	}
}
