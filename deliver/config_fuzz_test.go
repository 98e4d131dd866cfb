package deliver_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/email"
)

// fuzzConfig runs a destination config parser on any JSON: it refuses
// with EINVALID and a message naming a field, or returns a config that
// validates, and that parses again to itself once encoded (as the store
// keeps it).
func fuzzConfig[C any](f *testing.F, parse func(json.RawMessage) (C, error), validate func(C) error, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := parse(raw)
		if err != nil {
			msg := facteur.ErrorMessage(err)
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(msg, ": ") {
				t.Fatalf("%s: %v (code %s)", raw, err, facteur.ErrorCode(err))
			}
			return
		}
		if err := validate(c); err != nil {
			t.Fatalf("%s parsed, but does not validate: %v", raw, err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parse(b)
		if err != nil {
			t.Fatalf("%s parsed, its encoding %s does not: %v", raw, b, err)
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("%s does not round-trip: %s", b, b2)
		}
	})
}

func FuzzFolderConfig(f *testing.F) {
	fuzzConfig(f, deliver.ParseFolderConfig, deliver.FolderConfig.Validate,
		`{"path":"/srv/exports"}`, `{"path":"relative"}`, `{"path":"/a\u0000b"}`, `{"path":"/srv/exports","overwrite":true}`,
		`{"path":"/`+strings.Repeat("a", 256)+`"}`, `{"path":1}`, `{"nope":1}`, `{"path":"/x"} {}`, ``, `[]`)
}

func FuzzSFTPConfig(f *testing.F) {
	fuzzConfig(f, deliver.ParseSFTPConfig, deliver.SFTPConfig.Validate,
		`{"host":"sftp.example.com","user":"u","password":"p","directory":"/in"}`, `{"host":"-oProxyCommand=x","user":"u","password":"p","directory":"/in"}`,
		`{"host":"h","port":70000,"user":"u","password":"p","directory":"/in"}`, `{"host":"h","user":"u\r\n","password":"p","directory":"/in"}`,
		`{"host":"h","user":"u","private_key":"nope","directory":"/in"}`, `{"host":"h","user":"u","password":"p","directory":"in"}`,
		`{"host":"h","user":"u","password":"p","directory":"/in","timeout":9223372036854775807}`)
}

func FuzzS3Config(f *testing.F) {
	fuzzConfig(f, deliver.ParseS3Config, deliver.S3Config.Validate,
		`{"bucket":"exports","region":"eu-west-3","access_key_id":"k","secret_access_key":"s","prefix":"a/b/"}`,
		`{"bucket":"Bad_Bucket","access_key_id":"k","secret_access_key":"s"}`, `{"bucket":"exports","access_key_id":"k","secret_access_key":"s","prefix":"../x"}`,
		`{"bucket":"exports","access_key_id":"k","secret_access_key":"s","endpoint":"http://u:p@s3.example"}`, `{"bucket":"exports"}`)
}

func FuzzWebhookConfig(f *testing.F) {
	fuzzConfig(f, deliver.ParseWebhookConfig, deliver.WebhookConfig.Validate,
		`{"url":"https://partner.example/in","secret":"0123456789abcdef0123"}`, `{"url":"ftp://x","secret":"0123456789abcdef0123"}`,
		`{"url":"https://p.example/","secret":"0123456789abcdef0123","headers":{"X-Key":"v"}}`, `{"url":"https://p.example/","secret":"0123456789abcdef0123","headers":{"Host":"x"}}`,
		`{"url":"https://p.example/","secret":"0123456789abcdef0123","mode":"json","timeout":5}`, `{"url":"https://p.example/","secret":"short"}`)
}

func FuzzEmailConfig(f *testing.F) {
	fuzzConfig(f, email.ParseConfig, email.Config.Validate,
		`{"to":["a@example.org"],"subject":"{file_name}","message":"Hello"}`, `{"to":[]}`, `{"to":["Ann <a@example.org>"]}`,
		`{"to":["a@example.org"],"subject":"a\r\nBcc: x@evil.example"}`, `{"to":["a@example.org"],"html":true}`, `{"to":"a@example.org"}`)
}
