package folder_test

import (
	"strings"
	"testing"

	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/folder"
)

func FuzzFolderConfig(f *testing.F) {
	delivertest.FuzzConfig(f, folder.ParseConfig, folder.Config.Validate,
		`{"path":"/srv/exports"}`, `{"path":"relative"}`, `{"path":"/a\u0000b"}`, `{"path":"/srv/exports","overwrite":true}`,
		`{"path":"/`+strings.Repeat("a", 256)+`"}`, `{"path":1}`, `{"nope":1}`, `{"path":"/x"} {}`, ``, `[]`)
}
