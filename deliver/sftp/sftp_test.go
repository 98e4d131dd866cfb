package sftp_test

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/sftp"
)

// sftpServer is the OpenSSH server started by scripts/servers/sshd.sh.
type sftpServer struct {
	host, port string
	user       string
	password   string
	key        string // client private key, OpenSSH PEM
	hostKey    string // the server's public host key line
	dir        string // writable by user
	roDir      string // not writable by user
}

// testSFTPServer reads the server's settings from the environment. An unset
// variable fails the test: the SFTP tests never pass silently without a
// server. FACTEUR_TEST_SFTP_ADDR=skip skips them, loudly.
func testSFTPServer(t testing.TB) sftpServer {
	t.Helper()
	addr := os.Getenv("FACTEUR_TEST_SFTP_ADDR")
	switch addr {
	case "skip":
		t.Skip("SFTP TESTS SKIPPED: FACTEUR_TEST_SFTP_ADDR=skip")
	case "":
		t.Fatal("FACTEUR_TEST_SFTP_ADDR is not set: the SFTP tests need the test OpenSSH server. Run ./scripts/test.sh, or eval \"$(scripts/servers/sshd.sh)\" before go test (FACTEUR_TEST_SFTP_ADDR=skip skips them).")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("FACTEUR_TEST_SFTP_ADDR=%q: %v", addr, err)
	}
	s := sftpServer{
		host: host, port: port,
		user:     os.Getenv("FACTEUR_TEST_SFTP_USER"),
		password: os.Getenv("FACTEUR_TEST_SFTP_PASSWORD"),
		hostKey:  os.Getenv("FACTEUR_TEST_SFTP_HOSTKEY"),
		dir:      os.Getenv("FACTEUR_TEST_SFTP_DIR"),
		roDir:    os.Getenv("FACTEUR_TEST_SFTP_RODIR"),
	}
	if s.user == "" || s.hostKey == "" || s.dir == "" || s.roDir == "" || os.Getenv("FACTEUR_TEST_SFTP_KEY") == "" {
		t.Fatal("FACTEUR_TEST_SFTP_USER, _KEY, _HOSTKEY, _DIR and _RODIR must be set with FACTEUR_TEST_SFTP_ADDR: run eval \"$(scripts/servers/sshd.sh)\"")
	}
	key, err := os.ReadFile(os.Getenv("FACTEUR_TEST_SFTP_KEY"))
	if err != nil {
		t.Fatalf("FACTEUR_TEST_SFTP_KEY: %v", err)
	}
	s.key = string(key)
	return s
}

// needPassword fails the test when the server has no password login (the
// script was not run as root).
func (s sftpServer) needPassword(t testing.TB) {
	t.Helper()
	if s.password == "" {
		t.Fatal("FACTEUR_TEST_SFTP_PASSWORD is empty: password login needs scripts/servers/sshd.sh run as root")
	}
}

// config returns a password-login config for dir.
func (s sftpServer) config(t testing.TB, dir string) sftp.Config {
	t.Helper()
	s.needPassword(t)
	port, _ := strconv.Atoi(s.port)
	return sftp.Config{Host: s.host, Port: port, User: s.user, Password: s.password, HostKey: s.hostKey, Directory: dir}
}

// keyConfig returns a key-login config for dir.
func (s sftpServer) keyConfig(dir string) sftp.Config {
	port, _ := strconv.Atoi(s.port)
	return sftp.Config{Host: s.host, Port: port, User: s.user, PrivateKey: s.key, HostKey: s.hostKey, Directory: dir}
}

// client returns a direct SFTP client of the server, for looking at what
// arrived, closed when the test ends.
func (s sftpServer) client(t testing.TB) *pkgsftp.Client {
	t.Helper()
	signer, err := ssh.ParsePrivateKey([]byte(s.key))
	if err != nil {
		t.Fatalf("client key: %v", err)
	}
	hk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.hostKey))
	if err != nil {
		t.Fatalf("host key: %v", err)
	}
	conn, err := ssh.Dial("tcp", net.JoinHostPort(s.host, s.port), &ssh.ClientConfig{
		User:            s.user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hk),
		Timeout:         10e9,
	})
	if err != nil {
		t.Fatalf("connect to the test sshd: %v", err)
	}
	c, err := pkgsftp.NewClient(conn)
	if err != nil {
		conn.Close()
		t.Fatalf("sftp: %v", err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

// newRemoteDir creates a fresh, empty directory in the server's writable
// directory, removed when the test ends.
func (s sftpServer) newRemoteDir(t testing.TB) string {
	t.Helper()
	c := s.client(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	dir := path.Join(s.dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+hex.EncodeToString(b))
	if err := c.Mkdir(dir); err != nil {
		t.Fatalf("mkdir %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := c.RemoveAll(dir); err != nil {
			t.Logf("remove %s: %v", dir, err)
		}
	})
	return dir
}

// remoteFiles returns every file of a directory on the server, hidden and
// temporary ones included, by name.
func remoteFiles(t *testing.T, c *pkgsftp.Client, dir string) map[string][]byte {
	t.Helper()
	entries, err := c.ReadDir(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	files := make(map[string][]byte, len(entries))
	for _, e := range entries {
		f, err := c.Open(path.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("open %s: %v", e.Name(), err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatalf("read %s: %v", e.Name(), err)
		}
		files[e.Name()] = b
	}
	return files
}

// newSFTP returns a deliverer and fails the test on error.
func newSFTP(t testing.TB, cfg sftp.Config, env deliver.Env) *sftp.SFTP {
	t.Helper()
	d, err := sftp.New(cfg, env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// wantError checks an error's code, that its message contains each of
// want, and whether it is retryable.
func wantError(t *testing.T, err error, code string, retry bool, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want code %q", code)
	}
	if got := facteur.ErrorCode(err); got != code {
		t.Errorf("code = %q, want %q (error: %v)", got, code, err)
	}
	if got := facteur.Retryable(err); got != retry {
		t.Errorf("Retryable = %v, want %v (error: %v)", got, retry, err)
	}
	msg := facteur.ErrorMessage(err)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
}

// TestConformance runs the suite against the test OpenSSH server, logging
// in with a password and with a key.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := sftp.Kind()
	srv := testSFTPServer(t)
	for _, login := range []string{"Password", "Key"} {
		t.Run(login, func(t *testing.T) {
			t.Parallel()
			delivertest.Run(t, &kind, func(t *testing.T, overwrite bool) delivertest.Destination {
				dir := srv.newRemoteDir(t)
				cfg := srv.keyConfig(dir)
				if login == "Password" {
					cfg = srv.config(t, dir)
				}
				cfg.Overwrite = overwrite
				c := srv.client(t)
				env, logs := delivertest.LogEnv()
				down := cfg
				down.Host, down.Port, down.Timeout = delivertest.SplitPort(t, delivertest.ClosedAddr(t))
				return delivertest.Destination{
					Deliverer:   newSFTP(t, cfg, env),
					Files:       func(t *testing.T) map[string][]byte { return remoteFiles(t, c, dir) },
					Secrets:     []string{cfg.Password, cfg.PrivateKey},
					Logs:        logs,
					Unreachable: newSFTP(t, down, env),
				}
			})
		})
	}
}

func TestSFTPLocation(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	got, err := newSFTP(t, srv.keyConfig(dir+"/"), deliver.Env{}).Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("id\n1\n")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "sftp://" + srv.user + "@" + net.JoinHostPort(srv.host, srv.port) + dir + "/a.csv"; got.Location != want {
		t.Errorf("Location = %q, want %q", got.Location, want)
	}
}

// Check logs in and looks at the directory without leaving anything there.
func TestSFTPCheck(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	c := srv.client(t)
	for _, cfg := range []sftp.Config{srv.config(t, dir), srv.keyConfig(dir)} {
		if err := newSFTP(t, cfg, deliver.Env{}).Check(t.Context()); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
	if files := remoteFiles(t, c, dir); len(files) != 0 {
		t.Errorf("Check left %d files in the directory", len(files))
	}

	err := newSFTP(t, srv.keyConfig(dir+"/missing"), deliver.Env{}).Check(t.Context())
	wantError(t, err, facteur.EINVALID, false, "Directory "+dir+"/missing does not exist on the server.")
	err = newSFTP(t, srv.keyConfig(srv.roDir), deliver.Env{}).Check(t.Context())
	wantError(t, err, facteur.EINVALID, false, "Directory "+srv.roDir+" is not writable by "+srv.user+".")
}

func TestSFTPMissingDirectory(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t) + "/not-there"
	d := newSFTP(t, srv.config(t, dir), deliver.Env{})
	_, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	wantError(t, err, facteur.EINVALID, false, "Directory "+dir+" does not exist on the server.")
	_, err = d.Test(t.Context())
	wantError(t, err, facteur.EINVALID, false, "Directory "+dir+" does not exist on the server.")
}

func TestSFTPReadOnlyDirectory(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	d := newSFTP(t, srv.config(t, srv.roDir), deliver.Env{})
	_, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	wantError(t, err, facteur.EINVALID, false, "Directory "+srv.roDir+" is not writable by "+srv.user+".")
	_, err = d.Test(t.Context())
	wantError(t, err, facteur.EINVALID, false, "is not writable by")
	if files := remoteFiles(t, srv.client(t), srv.roDir); len(files) != 0 {
		t.Errorf("the read-only directory holds %d files", len(files))
	}
}

func TestSFTPWrongCredentials(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	otherKey, _, err := sftp.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	wrongPassword := srv.config(t, dir)
	wrongPassword.Password += "x"
	wrongKey := srv.keyConfig(dir)
	wrongKey.PrivateKey = otherKey
	wrongUser := srv.keyConfig(dir)
	wrongUser.User = "nobody-" + srv.user
	for name, cfg := range map[string]sftp.Config{"password": wrongPassword, "key": wrongKey, "user": wrongUser} {
		d := newSFTP(t, cfg, deliver.Env{})
		_, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
		wantError(t, err, facteur.EUNAUTHORIZED, false, "Validation failed. Check your credentials")
		err = d.Check(t.Context())
		wantError(t, err, facteur.EUNAUTHORIZED, false, "Validation failed. Check your credentials")
		if t.Failed() {
			t.Logf("with the wrong %s", name)
		}
	}
}

// A closed port is a connection failure that a retry may fix.
func TestSFTPConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	cfg := srv.config(t, srv.dir)
	cfg.Port, _ = strconv.Atoi(port)
	d := newSFTP(t, cfg, deliver.Env{})
	_, err = d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	wantError(t, err, facteur.EUNAVAILABLE, true, "Connection failed.", "refused")
	wantError(t, d.Check(t.Context()), facteur.EUNAVAILABLE, true, "Connection failed.")
}
