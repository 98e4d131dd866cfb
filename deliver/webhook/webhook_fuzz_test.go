package webhook_test

import (
	"testing"

	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/webhook"
)

func FuzzWebhookConfig(f *testing.F) {
	delivertest.FuzzConfig(f, webhook.ParseConfig, webhook.Config.Validate,
		`{"url":"https://partner.example/in","secret":"0123456789abcdef0123"}`, `{"url":"ftp://x","secret":"0123456789abcdef0123"}`,
		`{"url":"https://p.example/","secret":"0123456789abcdef0123","headers":{"X-Key":"v"}}`, `{"url":"https://p.example/","secret":"0123456789abcdef0123","headers":{"Host":"x"}}`,
		`{"url":"https://p.example/","secret":"0123456789abcdef0123","mode":"json","timeout":5}`, `{"url":"https://p.example/","secret":"short"}`)
}
