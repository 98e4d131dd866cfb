package kinds_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/bigquery"
	"github.com/facteur/facteur/deliver/email"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/deliver/gcs"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/deliver/s3"
	"github.com/facteur/facteur/deliver/sftp"
	"github.com/facteur/facteur/deliver/webhook"
)

// Each built-in kind's fields are its config's fields, and the secret ones
// are those its config struct documents as secret: the registration and
// the config cannot drift apart.
func TestBuiltinFieldsMatchConfigs(t *testing.T) {
	configs := map[string]reflect.Type{
		facteur.DestinationFolder:   reflect.TypeFor[folder.Config](),
		facteur.DestinationSFTP:     reflect.TypeFor[sftp.Config](),
		facteur.DestinationS3:       reflect.TypeFor[s3.Config](),
		facteur.DestinationGCS:      reflect.TypeFor[gcs.Config](),
		facteur.DestinationBigQuery: reflect.TypeFor[bigquery.Config](),
		facteur.DestinationWebhook:  reflect.TypeFor[webhook.Config](),
		facteur.DestinationEmail:    reflect.TypeFor[email.Config](),
	}
	for _, k := range kinds.Builtin().Kinds() {
		typ, ok := configs[k.Name]
		if !ok {
			t.Errorf("kind %q: no config struct in this test", k.Name)
			continue
		}
		secret := map[string]bool{}
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			secret[name] = f.Tag.Get("secret") == "true"
		}
		seen := map[string]bool{}
		for _, f := range k.Fields {
			s, ok := secret[f.Name]
			if !ok {
				t.Errorf("kind %q: field %q is not in its config", k.Name, f.Name)
			}
			if s != f.Secret {
				t.Errorf("kind %q: field %q registered Secret=%v, config says %v", k.Name, f.Name, f.Secret, s)
			}
			seen[f.Name] = true
		}
		for name := range secret {
			if !seen[name] {
				t.Errorf("kind %q: config field %q is not registered", k.Name, name)
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	r := kinds.Builtin()
	if got := strings.Join(r.Names(), ","); got != "email,sftp,s3,gcs,bigquery,webhook,folder" {
		t.Errorf("Names() = %s", got)
	}
	open := func(json.RawMessage, deliver.Env) (facteur.Deliverer, error) { return nil, nil }
	if err := r.Register(deliver.Kind{Name: "sftp", Open: open}); err == nil {
		t.Error("a second sftp kind was registered")
	}
	if err := r.Register(deliver.Kind{Name: "drop"}); err == nil {
		t.Error("a kind without Open was registered")
	}
	_, err := r.Lookup("ftp")
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "email, sftp, s3, gcs, bigquery, webhook or folder") {
		t.Errorf("Lookup(ftp) = %v; want EINVALID listing the kinds", err)
	}
	if got := strings.Join(r.Shared(), ","); got != "email,bigquery,folder" {
		t.Errorf("Shared() = %s, want email,bigquery,folder", got)
	}
	for kind, want := range map[string]facteur.Role{"email": facteur.RoleEditor, "sftp": facteur.RoleFileScheduler, "bigquery": facteur.RoleFileScheduler, "folder": facteur.RoleAdmin, "gone": facteur.RoleAdmin} {
		if got := r.LeastRole(kind); got != want {
			t.Errorf("LeastRole(%s) = %s, want %s", kind, got, want)
		}
	}
	// A kind that is not registered: hidden, and its config withheld.
	if !r.FileStorage("gone") {
		t.Error("an unknown kind is shown to everyone")
	}
	if cfg, _, _ := r.Redact("gone", json.RawMessage(`{"password":"x"}`)); string(cfg) != "{}" {
		t.Errorf("Redact of an unknown kind = %s, want {}", cfg)
	}
}

// Every built-in kind says where a destination delivers, from its config
// and without its secrets; a config it cannot read says nothing.
func TestWhere(t *testing.T) {
	r := kinds.Builtin()
	for kind, c := range map[string]struct{ config, want string }{
		facteur.DestinationFolder:   {`{"path":"/srv/out"}`, "/srv/out"},
		facteur.DestinationSFTP:     {`{"host":"sftp.partner.example","user":"acme","password":"a secret","directory":"/in"}`, "acme@sftp.partner.example:/in"},
		facteur.DestinationS3:       {`{"bucket":"reports","prefix":"daily/","access_key_id":"k","secret_access_key":"a secret"}`, "s3://reports/daily/"},
		facteur.DestinationGCS:      {`{"bucket":"reports","prefix":"daily"}`, "gs://reports/daily/"},
		facteur.DestinationBigQuery: {`{"project":"acme-analytics","dataset":"exports","table":"orders"}`, "bigquery://acme-analytics/exports/orders"},
		facteur.DestinationWebhook:  {`{"url":"https://hooks.partner.example/in","secret":"a secret of 16 bytes"}`, "https://hooks.partner.example/in"},
		facteur.DestinationEmail:    {`{"to":["a@example.org","b@example.org"]}`, "a@example.org, b@example.org"},
	} {
		d := &facteur.Destination{Kind: kind, Config: json.RawMessage(c.config)}
		if got := r.Where(d); got != c.want || strings.Contains(got, "secret") {
			t.Errorf("%s: %q, want %q", kind, got, c.want)
		}
		d.Config = json.RawMessage(`{"nonsense":1}`)
		if got := r.Where(d); got != "" {
			t.Errorf("%s with a config it cannot read: %q", kind, got)
		}
	}
	if len(r.Kinds()) != 7 {
		t.Errorf("%d built-in kinds; give the new one a case here", len(r.Kinds()))
	}
}
