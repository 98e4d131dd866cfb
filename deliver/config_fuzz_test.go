package deliver_test

import (
	"testing"

	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/email"
)

func FuzzWebhookConfig(f *testing.F) {
	delivertest.FuzzConfig(f, deliver.ParseWebhookConfig, deliver.WebhookConfig.Validate,
		`{"url":"https://partner.example/in","secret":"0123456789abcdef0123"}`, `{"url":"ftp://x","secret":"0123456789abcdef0123"}`,
		`{"url":"https://p.example/","secret":"0123456789abcdef0123","headers":{"X-Key":"v"}}`, `{"url":"https://p.example/","secret":"0123456789abcdef0123","headers":{"Host":"x"}}`,
		`{"url":"https://p.example/","secret":"0123456789abcdef0123","mode":"json","timeout":5}`, `{"url":"https://p.example/","secret":"short"}`)
}

func FuzzEmailConfig(f *testing.F) {
	delivertest.FuzzConfig(f, email.ParseConfig, email.Config.Validate,
		`{"to":["a@example.org"],"subject":"{file_name}","message":"Hello"}`, `{"to":[]}`, `{"to":["Ann <a@example.org>"]}`,
		`{"to":["a@example.org"],"subject":"a\r\nBcc: x@evil.example"}`, `{"to":["a@example.org"],"html":true}`, `{"to":"a@example.org"}`)
}
