package s3

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// DefaultRegion is the region used when an S3 destination gives none.
const DefaultRegion = "us-east-1"

// s3MaxKeyLen is the longest object key S3 accepts, in bytes.
const s3MaxKeyLen = 1024

// Config is the JSON config of an "s3" destination (PRODUCT D4): a bucket
// of Amazon S3 or of an S3-compatible store (MinIO, Ceph, versitygw, …).
type Config struct {
	// Bucket is the name of the bucket files are delivered to. Required;
	// it must exist (Facteur never creates it).
	Bucket string `json:"bucket"`
	// Prefix is put before every file name to form the object key, such as
	// "exports/partner/". Optional; a missing trailing slash is added and
	// repeated or leading slashes are dropped.
	Prefix string `json:"prefix,omitempty"`
	// Region is the bucket's region. Default "us-east-1" (DefaultRegion).
	Region string `json:"region,omitempty"`
	// AccessKeyID is the access key of the credentials. Required.
	AccessKeyID string `json:"access_key_id"`
	// SecretAccessKey is the secret key of the credentials. Required;
	// write-only: the API never returns it.
	SecretAccessKey string `json:"secret_access_key" secret:"true"`
	// Endpoint is the http(s) URL of an S3-compatible store, such as
	// "https://minio.example.com:9000". Optional: empty means Amazon S3.
	// With an endpoint, buckets are addressed path-style (endpoint/bucket/key).
	Endpoint string `json:"endpoint,omitempty"`
	// Overwrite replaces an existing object of the same key whose content
	// differs. Default false: such a delivery fails, so that a file the
	// partner has not picked up yet is never lost. An object with the same
	// content is never uploaded again either way.
	Overwrite bool `json:"overwrite"`
}

// ParseConfig decodes the config of an S3 destination, fills its defaults
// and validates it. It fails with EINVALID naming the field at fault, also
// for a field it does not know.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, facteur.Errorf(facteur.EINVALID, "bucket: give the name of the bucket to deliver to")
	}
	if err := deliver.DecodeConfig(raw, &cfg, `an S3 destination has "bucket", "prefix", "region", "access_key_id", "secret_access_key", "endpoint" and "overwrite"`, nil); err != nil {
		return Config{}, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// withDefaults returns the config with its defaults filled in and its
// prefix normalised: the one place where defaults are set.
func (c Config) withDefaults() Config {
	c.Bucket = strings.TrimSpace(c.Bucket)
	c.Region = strings.TrimSpace(c.Region)
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	c.Endpoint = strings.TrimSpace(c.Endpoint)
	c.Prefix = deliver.NormalizePrefix(c.Prefix)
	return c
}

var (
	s3BucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	s3RegionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// Validate checks the fields of the config without any network access
// (defaults, such as the region, must already be filled in: ParseConfig
// and New do it). It fails with EINVALID naming the field.
func (c Config) Validate() error {
	switch {
	case c.Bucket == "":
		return facteur.Errorf(facteur.EINVALID, "bucket: give the name of the bucket to deliver to")
	case !s3BucketRE.MatchString(c.Bucket) || strings.Contains(c.Bucket, ".."):
		return facteur.Errorf(facteur.EINVALID, "bucket: %q is not a bucket name; give 3 to 63 lower-case letters, digits, dots or hyphens, such as \"partner-exports\"", c.Bucket)
	case c.Region != "" && !s3RegionRE.MatchString(c.Region):
		return facteur.Errorf(facteur.EINVALID, "region: %q is not a region; give one such as \"eu-west-3\"", c.Region)
	case strings.TrimSpace(c.AccessKeyID) == "":
		return facteur.Errorf(facteur.EINVALID, "access_key_id: give the access key ID of the credentials")
	case strings.TrimSpace(c.SecretAccessKey) == "":
		return facteur.Errorf(facteur.EINVALID, "secret_access_key: give the secret access key of the credentials")
	case len(c.AccessKeyID) > 256:
		return facteur.Errorf(facteur.EINVALID, "access_key_id: at most 256 bytes (this one has %d)", len(c.AccessKeyID))
	case len(c.SecretAccessKey) > 1024:
		return facteur.Errorf(facteur.EINVALID, "secret_access_key: at most 1024 bytes (this one has %d)", len(c.SecretAccessKey))
	}
	if err := deliver.ValidatePrefix(c.Prefix, s3MaxKeyLen); err != nil {
		return err
	}
	if c.Endpoint != "" {
		return validateS3Endpoint(c.Endpoint)
	}
	return nil
}

// validateS3Endpoint checks that e is an absolute http(s) URL of a server.
func validateS3Endpoint(e string) error {
	const example = "give the URL of the S3-compatible store, such as \"https://s3.example.com\", or leave it empty for Amazon S3"
	u, err := url.Parse(e)
	switch {
	case err != nil:
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q is not a URL; %s", e, example)
	case u.Scheme != "http" && u.Scheme != "https":
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q is not an http or https URL; %s", e, example)
	case u.Host == "" || u.Hostname() == "":
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q has no host; %s", e, example)
	case u.User != nil:
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q contains a user name; give the credentials in access_key_id and secret_access_key", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return facteur.Errorf(facteur.EINVALID, "endpoint: %q has a query or fragment; %s", e, example)
	}
	return nil
}
