package webhook_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/webhook"
)

func TestParseWebhookConfig(t *testing.T) {
	t.Parallel()
	const secret = `"secret":"0123456789abcdef"`
	tests := []struct {
		json string
		err  string // the start of the message; "" when valid
	}{
		{`{"url":"https://partner.example/in",` + secret + `}`, ""},
		{`{"url":"http://partner.example:8080/in?x=1","mode":"json","timeout":5,"headers":{"Authorization":"Bearer x"},` + secret + `}`, ""},
		{``, "url: give"},
		{`{}`, "url: give"},
		{`{"url":"https://partner.example/in"}`, "secret: give"},
		{`{"url":"https://partner.example/in","secret":"short"}`, "secret: the secret is 5 characters long"},
		{`{"url":"ftp://partner.example/in",` + secret + `}`, "url: use an http:// or https:// URL"},
		{`{"url":"partner.example/in",` + secret + `}`, "url: use an http:// or https:// URL"},
		{`{"url":"https:///in",` + secret + `}`, "url: the URL has no host"},
		{`{"url":"https://user:pw@partner.example/in",` + secret + `}`, "url: remove the user name and password"},
		{`{"url":"https://partner.example/in","mode":"xml",` + secret + `}`, "mode: use"},
		{`{"url":"https://partner.example/in","timeout":-1,` + secret + `}`, "timeout: give a number of seconds"},
		{`{"url":"https://partner.example/in","timeout":3601,` + secret + `}`, "timeout: give a number of seconds"},
		{`{"url":"https://partner.example/in","timeout":"60",` + secret + `}`, "timeout: expected a whole number of seconds"},
		{`{"url":"https://partner.example/in","headers":["a"],` + secret + `}`, "headers: expected an object"},
		{`{"url":"https://partner.example/in","headers":{"X-A":1},` + secret + `}`, "headers: expected a string as every header's value"},
		{`{"url":"https://partner.example/in","headers":{"X-A":"a\r\nHost: evil"},` + secret + `}`, "headers.X-A: the value contains a line break"},
		{`{"url":"https://partner.example/in","headers":{"X-A":"a\u0007"},` + secret + `}`, "headers.X-A: the value contains a control character"},
		{`{"url":"https://partner.example/in","headers":{"X-A\r\nHost":"a"},` + secret + `}`, "headers: \"X-A\\r\\nHost\" is not a header name"},
		{`{"url":"https://partner.example/in","headers":{"Bad Name":"a"},` + secret + `}`, "headers: \"Bad Name\" is not a header name"},
		{`{"url":"https://partner.example/in","headers":{"host":"evil.example"},` + secret + `}`, "headers.host: Facteur sets this header itself"},
		{`{"url":"https://partner.example/in","headers":{"Content-Length":"1"},` + secret + `}`, "headers.Content-Length: Facteur sets"},
		{`{"url":"https://partner.example/in","headers":{"Transfer-Encoding":"chunked"},` + secret + `}`, "headers.Transfer-Encoding: Facteur sets"},
		{`{"url":"https://partner.example/in","headers":{"facteur-signature":"sha256=0"},` + secret + `}`, "headers.facteur-signature: Facteur sets"},
		{`{"url":"https://partner.example/in","headers":{"Idempotency-Key":"x"},` + secret + `}`, "headers.Idempotency-Key: Facteur sets"},
		{`{"url":"https://partner.example/in","headers":{"X-A":"1","x-a":"2"},` + secret + `}`, "given twice"},
		{`{"url":"https://partner.example/in","overwrite":true,` + secret + `}`, "overwrite: unknown field; a webhook destination has"},
		{`{"url":"https://partner.example/in",` + secret + `} {}`, "config: expected a single JSON object"},
		{`{"url":`, "config: not valid JSON"},
		{`[1]`, "config: expected a JSON object"},
	}
	for _, tt := range tests {
		cfg, err := webhook.ParseConfig(json.RawMessage(tt.json))
		if tt.err == "" {
			if err != nil {
				t.Errorf("ParseConfig(%s): %v", tt.json, err)
			}
			continue
		}
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), tt.err) {
			t.Errorf("ParseConfig(%s) = %+v, %v; want EINVALID with %q", tt.json, cfg, err, tt.err)
		}
	}
}

func TestWebhookConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := webhook.ParseConfig(json.RawMessage(`{"url":" https://partner.example/in ","secret":"0123456789abcdef"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := webhook.Config{URL: "https://partner.example/in", Secret: "0123456789abcdef", Mode: "file", Timeout: 60}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config %+v, want %+v", cfg, want)
	}
	// NewWebhook fills the same defaults and checks the same rules.
	if _, err := webhook.New(webhook.Config{URL: "https://partner.example/in", Secret: "0123456789abcdef"}, deliver.Env{}, nil); err != nil {
		t.Errorf("NewWebhook with defaults: %v", err)
	}
	if _, err := webhook.New(webhook.Config{URL: "https://partner.example/in"}, deliver.Env{}, nil); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("NewWebhook without a secret: %v", err)
	}
}

// The secret is write-only: tagged for the API to strip it.
func TestWebhookSecretIsTagged(t *testing.T) {
	t.Parallel()
	f, ok := reflect.TypeFor[webhook.Config]().FieldByName("Secret")
	if !ok || f.Tag.Get("secret") != "true" || f.Tag.Get("json") != "secret" {
		t.Errorf("Config.Secret tags %q, want json:\"secret\" secret:\"true\"", f.Tag)
	}
}
