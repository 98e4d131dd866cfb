package s3_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/s3"
)

func TestParseS3Config(t *testing.T) {
	t.Parallel()
	const creds = `"access_key_id":"AKIA","secret_access_key":"s3cr3t"`
	tests := []struct {
		name string
		raw  string
		want s3.Config // when errField is empty
		// errField is the field the error message must start with.
		errField string
	}{
		{"Defaults", `{"bucket":"exports",` + creds + `}`,
			s3.Config{Bucket: "exports", Region: "us-east-1", AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t"}, ""},
		{"Everything", `{"bucket":"partner-exports","prefix":"exports/partner/","region":"eu-west-3",` + creds + `,"endpoint":"https://s3.example.com:9000","overwrite":true}`,
			s3.Config{Bucket: "partner-exports", Prefix: "exports/partner/", Region: "eu-west-3", AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", Endpoint: "https://s3.example.com:9000", Overwrite: true}, ""},
		{"PrefixSlashes", `{"bucket":"exports","prefix":"//a//b",` + creds + `}`,
			s3.Config{Bucket: "exports", Prefix: "a/b/", Region: "us-east-1", AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t"}, ""},
		{"PrefixOnlySlashes", `{"bucket":"exports","prefix":"///",` + creds + `}`,
			s3.Config{Bucket: "exports", Region: "us-east-1", AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t"}, ""},
		{"Empty", ``, s3.Config{}, "bucket"},
		{"NoBucket", `{` + creds + `}`, s3.Config{}, "bucket"},
		{"BadBucket", `{"bucket":"My_Bucket",` + creds + `}`, s3.Config{}, "bucket"},
		{"ShortBucket", `{"bucket":"ab",` + creds + `}`, s3.Config{}, "bucket"},
		{"BadRegion", `{"bucket":"exports","region":"eu west",` + creds + `}`, s3.Config{}, "region"},
		{"NoAccessKey", `{"bucket":"exports","secret_access_key":"s"}`, s3.Config{}, "access_key_id"},
		{"NoSecret", `{"bucket":"exports","access_key_id":"a"}`, s3.Config{}, "secret_access_key"},
		{"DotDotPrefix", `{"bucket":"exports","prefix":"a/../b",` + creds + `}`, s3.Config{}, "prefix"},
		{"ControlPrefix", `{"bucket":"exports","prefix":"a\nb",` + creds + `}`, s3.Config{}, "prefix"},
		{"LongPrefix", `{"bucket":"exports","prefix":"` + strings.Repeat("a", 800) + `",` + creds + `}`, s3.Config{}, "prefix"},
		{"FTPEndpoint", `{"bucket":"exports","endpoint":"ftp://x",` + creds + `}`, s3.Config{}, "endpoint"},
		{"HostlessEndpoint", `{"bucket":"exports","endpoint":"https://",` + creds + `}`, s3.Config{}, "endpoint"},
		{"EndpointUser", `{"bucket":"exports","endpoint":"https://u:p@s3.example.com",` + creds + `}`, s3.Config{}, "endpoint"},
		{"UnknownField", `{"bucket":"exports","acl":"public-read",` + creds + `}`, s3.Config{}, "acl"},
		{"WrongType", `{"bucket":"exports","overwrite":"yes",` + creds + `}`, s3.Config{}, "overwrite"},
		{"TwoObjects", `{"bucket":"exports",` + creds + `} {}`, s3.Config{}, "config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s3.ParseConfig(json.RawMessage(tc.raw))
			if tc.errField == "" {
				if err != nil {
					t.Fatalf("ParseConfig: %v", err)
				}
				if got != tc.want {
					t.Errorf("ParseConfig = %+v, want %+v", got, tc.want)
				}
				return
			}
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("error %v, want code %q", err, facteur.EINVALID)
			}
			msg := facteur.ErrorMessage(err)
			if !strings.HasPrefix(msg, tc.errField+":") {
				t.Errorf("message %q should start with the field %q", msg, tc.errField)
			}
			if strings.Contains(msg, "s3cr3t") || strings.Contains(err.Error(), ":p@") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

// New fills the defaults and validates like ParseConfig.
func TestNewS3Validates(t *testing.T) {
	t.Parallel()
	if _, err := s3.New(s3.Config{Bucket: "exports", AccessKeyID: "a", SecretAccessKey: "s"}, deliver.Env{}); err != nil {
		t.Errorf("New without a region: %v", err)
	}
	_, err := s3.New(s3.Config{Bucket: "exports", AccessKeyID: "a"}, deliver.Env{})
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "secret_access_key:") {
		t.Errorf("New without a secret: %v", err)
	}
}

// The secret key is write-only: its field is tagged for deliver.Redact.
func TestS3ConfigSecretTag(t *testing.T) {
	t.Parallel()
	f, ok := reflect.TypeFor[s3.Config]().FieldByName("SecretAccessKey")
	if !ok || f.Tag.Get("secret") != "true" || f.Tag.Get("json") != "secret_access_key" {
		t.Errorf("Config.SecretAccessKey tags = %q, want json:\"secret_access_key\" secret:\"true\"", f.Tag)
	}
}
