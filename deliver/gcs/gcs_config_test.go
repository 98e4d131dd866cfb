package gcs_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/gcs"
	"github.com/facteur/facteur/deliver/kinds"
)

func testKey(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/service-account.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseGCSConfig(t *testing.T) {
	key := testKey(t)
	keyJSON, _ := json.Marshal(key)
	good := `{"bucket":"exports","prefix":"/a//b","credentials_json":` + string(keyJSON) + `}`
	cfg, err := gcs.ParseConfig(json.RawMessage(good))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Prefix != "a/b/" || cfg.Bucket != "exports" {
		t.Errorf("parsed %+v", cfg)
	}
	withKey := func(k string) string {
		b, _ := json.Marshal(k)
		return `{"bucket":"exports","credentials_json":` + string(b) + `}`
	}
	for _, tc := range []struct{ config, field string }{
		{`{}`, "bucket:"},
		{`{"bucket":"Bad Bucket"}`, "bucket:"},
		{`{"bucket":"goog-exports"}`, "bucket:"},
		{`{"bucket":"ab"}`, "bucket:"},
		{`{"bucket":"exports","prefix":"../x"}`, "prefix:"},
		{`{"bucket":"exports","endpoint":"ftp://x"}`, "endpoint:"},
		{`{"bucket":"exports","endpoint":"http://u:p@x"}`, "endpoint:"},
		{`{"bucket":"exports","region":"x"}`, "region"},
		{withKey("not json"), "credentials_json:"},
		{withKey(`{"type":"authorized_user","client_id":"x"}`), "credentials_json:"},
		{withKey(`{"type":"external_account","credential_source":{"url":"http://169.254.169.254/"}}`), "credentials_json:"},
		{withKey(strings.Replace(key, "BEGIN PRIVATE KEY", "BEGIN NOTHING", 1)), "credentials_json:"},
		{withKey(strings.Replace(key, "https://oauth2.googleapis.com/token", "http://10.0.0.1/token", 1)), "credentials_json:"},
	} {
		_, err := gcs.ParseConfig(json.RawMessage(tc.config))
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), tc.field) {
			t.Errorf("%.80s: error %v, want EINVALID naming %s", tc.config, err, tc.field)
		}
		if err != nil && strings.Contains(facteur.ErrorMessage(err), "PRIVATE KEY") {
			t.Errorf("%.80s: the message quotes the key", tc.config)
		}
	}
}

// The key is write-only: the API's view of a destination leaves it out,
// and an update without it keeps it.
func TestGCSKeyIsSecret(t *testing.T) {
	r := kinds.Builtin()
	key := testKey(t)
	keyJSON, _ := json.Marshal(key)
	config := json.RawMessage(`{"bucket":"exports","credentials_json":` + string(keyJSON) + `}`)
	shown, set, err := r.Redact(facteur.DestinationGCS, config)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(shown), "PRIVATE") || len(set) != 1 || set[0] != "credentials_json" {
		t.Errorf("Redact = %s, %v", shown, set)
	}
	kept, err := r.KeepSecrets(facteur.DestinationGCS, config, json.RawMessage(`{"bucket":"other"}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := gcs.ParseConfig(kept)
	if err != nil || cfg.CredentialsJSON != strings.TrimSpace(key) || cfg.Bucket != "other" {
		t.Errorf("KeepSecrets kept %+v, %v", cfg.Bucket, err)
	}
	// A key opens a deliverer without network access.
	if _, err := gcs.New(cfg, deliver.Env{}); err != nil {
		t.Errorf("New with a service-account key: %v", err)
	}
}
