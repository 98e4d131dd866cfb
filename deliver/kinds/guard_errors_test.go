package kinds_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/deliver/s3"
	"github.com/facteur/facteur/deliver/sftp"
	"github.com/facteur/facteur/netguard"
)

// TestGuardRefusalErrors: an SFTP or S3 destination whose host resolves to
// an address the outbound guard refuses (loopback here) fails its Send
// test at once with EINVALID and the guard's reason, as the webhook does:
// no retry can help, so none is made and the run is not tried again.
func TestGuardRefusalErrors(t *testing.T) {
	t.Parallel()
	env := deliver.Env{Dial: netguard.Policy{}.Dial}
	sftpDest, err := sftp.New(sftp.Config{Host: "localhost", Port: 2222, User: "u", Password: "p", Directory: "/in"}, env)
	if err != nil {
		t.Fatal(err)
	}
	s3Dest, err := s3.New(s3.Config{Endpoint: "http://localhost:7070", Bucket: "exports", AccessKeyID: "k", SecretAccessKey: "s"}, env)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]facteur.Deliverer{"sftp": sftpDest, "s3": s3Dest} {
		start := time.Now()
		_, err := d.Test(context.Background())
		took := time.Since(start)
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) || !strings.Contains(facteur.ErrorMessage(err), "loopback") {
			t.Errorf("%s: %v (code %s, retryable %v), want EINVALID naming the loopback address", name, err, facteur.ErrorCode(err), facteur.Retryable(err))
		}
		if took > time.Second {
			t.Errorf("%s: refused after %s, want at once (no retries)", name, took)
		}
	}
}

// TestFolderConfigPathBounds: a path or one of its names longer than a
// file system takes is refused when the destination is saved, naming the
// field, for folders and SFTP directories alike.
func TestFolderConfigPathBounds(t *testing.T) {
	t.Parallel()
	long := "/srv/" + strings.Repeat("a", 256) + "/in"
	if _, err := folder.ParseConfig([]byte(`{"path":"` + long + `"}`)); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "path: ") {
		t.Errorf("folder with a 256-byte name: %v, want EINVALID on path", err)
	}
	deep := strings.Repeat("/abcdefgh", 600)
	if _, err := folder.ParseConfig([]byte(`{"path":"` + deep + `"}`)); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "path: ") {
		t.Errorf("folder with a 5400-byte path: %v, want EINVALID on path", err)
	}
	if _, err := folder.ParseConfig([]byte(`{"path":"/srv/` + strings.Repeat("a", 255) + `"}`)); err != nil {
		t.Errorf("folder with a 255-byte name: %v, want it accepted", err)
	}
	cfg := sftp.Config{Host: "sftp.example.com", User: "u", Password: "p", Directory: long}
	if err := cfg.Validate(); facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "directory: ") {
		t.Errorf("sftp with a 256-byte name: %v, want EINVALID on directory", err)
	}
}
