package sftp_test

import (
	"testing"

	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/sftp"
)

func FuzzSFTPConfig(f *testing.F) {
	delivertest.FuzzConfig(f, sftp.ParseConfig, sftp.Config.Validate,
		`{"host":"sftp.example.com","user":"u","password":"p","directory":"/in"}`, `{"host":"-oProxyCommand=x","user":"u","password":"p","directory":"/in"}`,
		`{"host":"h","port":70000,"user":"u","password":"p","directory":"/in"}`, `{"host":"h","user":"u\r\n","password":"p","directory":"/in"}`,
		`{"host":"h","user":"u","private_key":"nope","directory":"/in"}`, `{"host":"h","user":"u","password":"p","directory":"in"}`,
		`{"host":"h","user":"u","password":"p","directory":"/in","timeout":9223372036854775807}`)
}
