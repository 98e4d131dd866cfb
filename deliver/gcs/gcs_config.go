package gcs

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// gcsMaxNameLen is the longest object name Cloud Storage accepts, in bytes.
const gcsMaxNameLen = 1024

// maxKeyLen bounds the service-account key: a real one is about 2.3 KB.
const maxKeyLen = 16 << 10

// Config is the JSON config of a "gcs" destination (PRODUCT D7): a bucket
// of Google Cloud Storage.
type Config struct {
	// Bucket is the name of the bucket files are delivered to. Required;
	// it must exist (Facteur never creates it).
	Bucket string `json:"bucket"`
	// Prefix is put before every file name to form the object name, such
	// as "exports/partner/". Optional; a missing trailing slash is added
	// and repeated or leading slashes are dropped.
	Prefix string `json:"prefix,omitempty"`
	// CredentialsJSON is the JSON key of a Google service account (the file
	// the Cloud console downloads). Optional: empty uses the environment's
	// default credentials (workload identity or the metadata server on
	// Google Cloud, GOOGLE_APPLICATION_CREDENTIALS elsewhere). Write-only:
	// the API never returns it.
	CredentialsJSON string `json:"credentials_json,omitempty" secret:"true"`
	// Endpoint is the http(s) URL of a Cloud Storage JSON API other than
	// Google's public one: a private endpoint, or an emulator. Optional.
	// With an endpoint and no key, requests are sent without credentials
	// (an emulator).
	Endpoint string `json:"endpoint,omitempty"`
	// Overwrite replaces an existing object of the same name whose content
	// differs. Default false: such a delivery fails, so that a file the
	// partner has not picked up yet is never lost. An object with the same
	// content is never uploaded again either way.
	Overwrite bool `json:"overwrite"`
}

// ParseConfig decodes the config of a Cloud Storage destination, fills its
// defaults and validates it. It fails with EINVALID naming the field at
// fault, also for a field it does not know.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, facteur.Errorf(facteur.EINVALID, "bucket: give the name of the bucket to deliver to")
	}
	if err := deliver.DecodeConfig(raw, &cfg, `a Cloud Storage destination has "bucket", "prefix", "credentials_json", "endpoint" and "overwrite"`, nil); err != nil {
		return Config{}, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// withDefaults returns the config with its prefix normalised and its
// texts trimmed: the one place where defaults are set.
func (c Config) withDefaults() Config {
	c.Bucket = strings.TrimSpace(c.Bucket)
	c.Endpoint = strings.TrimRight(strings.TrimSpace(c.Endpoint), "/")
	c.CredentialsJSON = strings.TrimSpace(c.CredentialsJSON)
	c.Prefix = deliver.NormalizePrefix(c.Prefix)
	return c
}

// bucketRE is Cloud Storage's rule for bucket names: 3 to 63 characters
// (222 with dots), lower-case letters, digits, dashes, underscores, dots,
// starting and ending with a letter or digit.
var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)

// Validate checks the fields of the config without any network access.
// It fails with EINVALID naming the field.
func (c Config) Validate() error {
	switch {
	case c.Bucket == "":
		return facteur.Errorf(facteur.EINVALID, "bucket: give the name of the bucket to deliver to")
	case !bucketRE.MatchString(c.Bucket) || strings.Contains(c.Bucket, "..") || strings.HasPrefix(c.Bucket, "goog"):
		return facteur.Errorf(facteur.EINVALID, "bucket: %q is not a bucket name; give 3 to 63 lower-case letters, digits, dashes, underscores or dots, such as \"partner-exports\"", c.Bucket)
	case !strings.Contains(c.Bucket, ".") && len(c.Bucket) > 63:
		return facteur.Errorf(facteur.EINVALID, "bucket: %q is longer than 63 characters", c.Bucket)
	}
	if err := deliver.ValidatePrefix(c.Prefix, gcsMaxNameLen); err != nil {
		return err
	}
	if c.CredentialsJSON != "" {
		if _, err := ParseKey(c.CredentialsJSON); err != nil {
			return err
		}
	}
	if c.Endpoint != "" {
		return ValidateEndpoint(c.Endpoint, "the Cloud Storage JSON API")
	}
	return nil
}

// ValidateEndpoint checks that e is an absolute http(s) URL of a server of
// api ("the BigQuery API"), without credentials in it. It fails with
// EINVALID naming the endpoint field.
func ValidateEndpoint(e, api string) error {
	example := "give the URL of " + api + ", such as \"https://api.example.internal\", or leave it empty for Google's"
	u, err := url.Parse(e)
	switch {
	case len(e) > 2048:
		return facteur.Errorf(facteur.EINVALID, "endpoint: at most 2048 bytes (this one has %d)", len(e))
	case err != nil:
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q is not a URL; %s", e, example)
	case u.Scheme != "http" && u.Scheme != "https":
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q is not an http or https URL; %s", e, example)
	case u.Host == "" || u.Hostname() == "":
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q has no host; %s", e, example)
	case u.User != nil:
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q contains a user name; give the credentials in credentials_json", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q has a query or fragment; %s", e, example)
	}
	return nil
}
