package email_test

import (
	"testing"

	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/email"
)

func FuzzEmailConfig(f *testing.F) {
	delivertest.FuzzConfig(f, email.ParseConfig, email.Config.Validate,
		`{"to":["a@example.org"],"subject":"{file_name}","message":"Hello"}`, `{"to":[]}`, `{"to":["Ann <a@example.org>"]}`,
		`{"to":["a@example.org"],"subject":"a\r\nBcc: x@evil.example"}`, `{"to":["a@example.org"],"html":true}`, `{"to":"a@example.org"}`)
}
