package deliver

import (
	"context"
	"encoding/json"
	"os"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/strictjson"
)

// What every kind of destination shares, for the kinds that live in
// packages of their own.

// CheckArtifact checks an artifact's name, size and SHA-256 before it is
// delivered; it fails with EINVALID for a name no destination takes and
// EINTERNAL for a file without a valid size or SHA-256.
func CheckArtifact(a *facteur.Artifact) error {
	_, err := artifactPayload(a)
	return err
}

// DecodeConfig decodes a destination's config strictly (see strictjson),
// naming the field at fault; fields follows the message about an unknown
// field ("a folder destination has …"), and hints replace the expected
// type's name for some fields.
func DecodeConfig(raw json.RawMessage, v any, fields string, hints map[string]string) error {
	return strictjson.Decode(raw, v, strictjson.Options{Where: "config", Fields: fields, Hints: hints})
}

// CheckSpooled fails with EINTERNAL when the spooled file of a does not
// match its size and SHA-256, so that a damaged file is never
// sent by a destination that cannot check it as it goes (a mail's
// attachment).
func CheckSpooled(ctx context.Context, a *facteur.Artifact) error {
	fi, err := os.Stat(a.Path)
	if err != nil {
		return facteur.WrapError(facteur.EINTERNAL, spoolError{err}, "The exported file %s is missing from the spool; export it again.", a.Name)
	}
	sum, err := hashFile(ctx, a.Path)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return facteur.WrapError(facteur.EINTERNAL, spoolError{err}, "The exported file %s cannot be read from the spool; export it again.", a.Name)
	}
	if fi.Size() != a.Size || sum != a.SHA256 {
		return facteur.Errorf(facteur.EINTERNAL, "The exported file %s does not match its size or SHA-256 in the spool; export it again.", a.Name)
	}
	return nil
}

type requesterKey struct{}

// WithRequester returns ctx carrying the address of the account that asked
// for a Send test, for the test mail to name.
func WithRequester(ctx context.Context, email string) context.Context {
	return context.WithValue(ctx, requesterKey{}, email)
}

// Requester is the account WithRequester put in ctx, or "".
func Requester(ctx context.Context) string {
	s, _ := ctx.Value(requesterKey{}).(string)
	return s
}
