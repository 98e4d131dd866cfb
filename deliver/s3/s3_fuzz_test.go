package s3_test

import (
	"testing"

	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/s3"
)

func FuzzS3Config(f *testing.F) {
	delivertest.FuzzConfig(f, s3.ParseConfig, s3.Config.Validate,
		`{"bucket":"exports","region":"eu-west-3","access_key_id":"k","secret_access_key":"s","prefix":"a/b/"}`,
		`{"bucket":"Bad_Bucket","access_key_id":"k","secret_access_key":"s"}`, `{"bucket":"exports","access_key_id":"k","secret_access_key":"s","prefix":"../x"}`,
		`{"bucket":"exports","access_key_id":"k","secret_access_key":"s","endpoint":"http://u:p@s3.example"}`, `{"bucket":"exports"}`)
}
