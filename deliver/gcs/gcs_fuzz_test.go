package gcs_test

import (
	"testing"

	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/gcs"
)

func FuzzGCSConfig(f *testing.F) {
	delivertest.FuzzConfig(f, gcs.ParseConfig, gcs.Config.Validate,
		`{"bucket":"exports","prefix":"a/b/","overwrite":true}`, `{"bucket":"Bad_Bucket"}`, `{"bucket":"exports","prefix":"../x"}`,
		`{"bucket":"exports","endpoint":"http://u:p@gcs.example"}`, `{"bucket":"exports","credentials_json":"{\"type\":\"service_account\"}"}`, `{}`)
}
