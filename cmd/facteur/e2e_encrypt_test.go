package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
)

// encReferees makes an age identity (age-keygen) and an OpenPGP key in a
// temporary GNUPGHOME (gpg --quick-gen-key), the partner's side, and
// returns them with decrypt functions that run age -d and gpg --decrypt.
func encReferees(t *testing.T) (ageRecipient, pgpKey string, ageDecrypt, gpgDecrypt func([]byte) ([]byte, error)) {
	t.Helper()
	for _, tool := range []string{"age", "age-keygen", "gpg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (Debian packages age and gnupg): run scripts/test.sh", tool)
		}
	}
	dir := t.TempDir()
	identity := filepath.Join(dir, "key.txt")
	if out, err := exec.Command("age-keygen", "-o", identity).CombinedOutput(); err != nil {
		t.Fatalf("age-keygen: %v %s", err, out)
	}
	out, err := exec.Command("age-keygen", "-y", identity).Output()
	if err != nil {
		t.Fatal(err)
	}
	ageRecipient = strings.TrimSpace(string(out))
	home, err := os.MkdirTemp("", "gpg") // short: gpg-agent's socket path
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(home, 0o700)
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run(); os.RemoveAll(home) })
	gpg := func(stdin []byte, args ...string) ([]byte, error) {
		cmd := exec.Command("gpg", append([]string{"--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		cmd.Stdin = bytes.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("gpg %v: %v: %s", args, err, stderr.String())
		}
		return out, nil
	}
	if _, err := gpg(nil, "--quick-gen-key", "Partner <data@partner.example>", "future-default", "default", "never"); err != nil {
		t.Fatal(err)
	}
	key, err := gpg(nil, "--armor", "--export", "data@partner.example")
	if err != nil {
		t.Fatal(err)
	}
	ageDecrypt = func(b []byte) ([]byte, error) {
		cmd := exec.Command("age", "-d", "-i", identity)
		cmd.Stdin = bytes.NewReader(b)
		return cmd.Output()
	}
	gpgDecrypt = func(b []byte) ([]byte, error) { return gpg(b, "--decrypt") }
	return ageRecipient, string(key), ageDecrypt, gpgDecrypt
}

// TestEncryptedDeliveries: destinations that encrypt to an age recipient
// or an OpenPGP key deliver, to a folder, to SFTP (OpenSSH) and to S3
// (versitygw), a file that age -d and gpg --decrypt turn back into exactly
// the file a destination in clear receives (gzip-compressed too); the
// run's size and SHA-256 are those of what arrived, the manifest gives
// both forms, and Retry delivers the same bytes again. Send test delivers
// an encrypted test file, and keys that cannot be used are refused with a
// 400 that says what to ask the partner for.
func TestEncryptedDeliveries(t *testing.T) {
	pg := os.Getenv("FACTEUR_TEST_POSTGRES")
	if pg == "" {
		t.Fatal("FACTEUR_TEST_POSTGRES is not set: run scripts/test.sh")
	}
	sftpAddr, sftpUser, sftpPassword, sftpDir := sftpEnv(t)
	endpoint, access, secret, client := s3Env(t)
	ageTo, pgpKey, ageDecrypt, gpgDecrypt := encReferees(t)

	ctx := context.Background()
	b := make([]byte, 5)
	rand.Read(b)
	bucket := "facteur-enc-" + hex.EncodeToString(b)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}

	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": pg, "accept_extra_rights": true}, &src)
	// Enough rows for several of age's 64 KiB chunks once compressed.
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "orders", "source_id": src.ID,
		"sql": "select g as id, md5(g::text) as ref, 'partner ' || (g % 97) as label from generate_series(1, 30000) g order by g"}, &rep)

	clear, folder := t.TempDir(), t.TempDir()
	host, port, _ := strings.Cut(sftpAddr, ":")
	var port64 int
	fmt.Sscan(port, &port64)
	age := map[string]any{"method": "age", "recipients": []string{ageTo}}
	pgp := map[string]any{"method": "openpgp", "recipients": []string{pgpKey}}
	type destination struct {
		ID             int64
		EncryptionKeys []struct {
			Fingerprint string
			UserID      string `json:"user_id"`
		} `json:"encryption_keys"`
	}
	mk := func(name, kind string, config, enc map[string]any) destination {
		var d destination
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": name, "kind": kind, "config": config, "encryption": enc}, &d)
		return d
	}
	plainDest := mk("clear", "folder", map[string]any{"path": clear}, nil)
	folderAge := mk("folder age", "folder", map[string]any{"path": folder}, age)
	folderPGP := mk("folder pgp", "folder", map[string]any{"path": folder}, pgp)
	sftpPGP := mk("sftp pgp", "sftp", map[string]any{"host": host, "port": port64, "user": sftpUser, "password": sftpPassword, "directory": sftpDir}, pgp)
	s3Age := mk("s3 age", "s3", map[string]any{"bucket": bucket, "prefix": "in/", "endpoint": endpoint, "access_key_id": access, "secret_access_key": secret}, age)
	if len(folderAge.EncryptionKeys) != 1 || folderAge.EncryptionKeys[0].Fingerprint != ageTo ||
		len(sftpPGP.EncryptionKeys) != 1 || len(sftpPGP.EncryptionKeys[0].Fingerprint) != 40 || sftpPGP.EncryptionKeys[0].UserID != "Partner <data@partner.example>" {
		t.Fatalf("recipients shown: %+v %+v", folderAge.EncryptionKeys, sftpPGP.EncryptionKeys)
	}

	stem := fmt.Sprintf("orders-%d", os.Getpid())
	runNow := func(t *testing.T, dest int64, compression string) runView {
		t.Helper()
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest, "enabled": false,
			"format": map[string]any{"format": "csv", "compression": compression}, "file_name": stem + ".{ext}",
			"options": map[string]any{"confirmation": true}, "calendar": map[string]any{"frequency": "daily"}}, &sc)
		var queued facteur.Run
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &queued)
		r := n.waitRun(queued.ID)
		if r.Status != facteur.RunSucceeded {
			t.Fatalf("run to destination %d: %s %s; log %+v", dest, r.Status, r.Error, r.Log)
		}
		return r
	}
	inFolder := func(dir string) (func(string) ([]byte, error), func(string)) {
		return func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) },
			func(name string) { os.Remove(filepath.Join(dir, name)) }
	}
	fromS3 := func(name string) ([]byte, error) {
		obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("in/" + name)})
		if err != nil {
			return nil, err
		}
		defer obj.Body.Close()
		return io.ReadAll(obj.Body)
	}
	removeS3 := func(name string) {
		client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("in/" + name)})
	}
	t.Cleanup(func() {
		for _, ext := range []string{"csv.gpg", "csv.gz.gpg", "csv.age", "csv.gz.age"} {
			for _, name := range []string{stem + "." + ext, stem + "." + ext + ".manifest.json"} {
				os.Remove(filepath.Join(sftpDir, name))
				removeS3(name)
			}
		}
		client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	})
	readFolder, removeFolder := inFolder(folder)
	readSFTP, removeSFTP := inFolder(sftpDir) // the sshd's directory, as the partner sees it
	for _, tc := range []struct {
		name        string
		dest        int64
		compression string
		ext         string
		decrypt     func([]byte) ([]byte, error)
		read        func(string) ([]byte, error)
		remove      func(string)
	}{
		{"folder age", folderAge.ID, "", "age", ageDecrypt, readFolder, removeFolder},
		{"folder age gzip", folderAge.ID, "gzip", "age", ageDecrypt, readFolder, removeFolder},
		{"folder openpgp gzip", folderPGP.ID, "gzip", "gpg", gpgDecrypt, readFolder, removeFolder},
		{"sftp openpgp", sftpPGP.ID, "", "gpg", gpgDecrypt, readSFTP, removeSFTP},
		{"sftp openpgp gzip", sftpPGP.ID, "gzip", "gpg", gpgDecrypt, readSFTP, removeSFTP},
		{"s3 age gzip", s3Age.ID, "gzip", "age", ageDecrypt, fromS3, removeS3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plainExt := "csv"
			if tc.compression == "gzip" {
				plainExt = "csv.gz"
			}
			// The same report delivered in clear is the reference.
			os.Remove(filepath.Join(clear, stem+"."+plainExt))
			os.Remove(filepath.Join(clear, stem+"."+plainExt+".manifest.json"))
			runNow(t, plainDest.ID, tc.compression)
			want, err := os.ReadFile(filepath.Join(clear, stem+"."+plainExt))
			if err != nil || len(want) < 200<<10 {
				t.Fatalf("file in clear: %d bytes, %v", len(want), err)
			}

			name := stem + "." + plainExt + "." + tc.ext
			tc.remove(name)
			tc.remove(name + ".manifest.json")
			r := runNow(t, tc.dest, tc.compression)
			got, err := tc.read(name)
			if err != nil {
				t.Fatalf("%s did not arrive: %v (run file %s)", name, err, r.FileName)
			}
			if r.FileName != name || r.Bytes != int64(len(got)) || r.SHA256 != sha(string(got)) ||
				r.PlainBytes != int64(len(want)) || r.PlainSHA256 != sha(string(want)) {
				t.Fatalf("run %s: %d bytes sha-256 %s, holding %d %s; arrived %d bytes sha-256 %s, in clear %d %s",
					r.FileName, r.Bytes, r.SHA256, r.PlainBytes, r.PlainSHA256, len(got), sha(string(got)), len(want), sha(string(want)))
			}
			if bytes.Contains(got, want[:64]) {
				t.Fatal("the delivered file holds the rows in clear")
			}
			dec, err := tc.decrypt(got)
			if err != nil || !bytes.Equal(dec, want) {
				t.Fatalf("decrypted: %d bytes, %v; want the %d bytes delivered in clear", len(dec), err, len(want))
			}
			mb, err := tc.read(name + ".manifest.json")
			var m struct {
				FileName      string `json:"file_name"`
				Bytes         int64  `json:"bytes"`
				SHA256        string `json:"sha256"`
				Encryption    string `json:"encryption"`
				ContentBytes  int64  `json:"content_bytes"`
				ContentSHA256 string `json:"content_sha256"`
			}
			if err != nil || json.Unmarshal(mb, &m) != nil || m.FileName != name || m.Bytes != r.Bytes || m.SHA256 != r.SHA256 ||
				m.ContentBytes != int64(len(want)) || m.ContentSHA256 != sha(string(want)) || (m.Encryption != "age" && m.Encryption != "openpgp") {
				t.Fatalf("manifest %s (%v)", mb, err)
			}

			// Retry delivers the spooled bytes again, byte for byte.
			tc.remove(name)
			var retry facteur.Run
			n.must(202, "POST", fmt.Sprintf("/api/v1/runs/%d/retry", r.ID), nil, &retry)
			if rr := n.waitRun(retry.ID); rr.Status != facteur.RunSucceeded || rr.SHA256 != r.SHA256 {
				t.Fatalf("retry: %s %s %s", rr.Status, rr.Error, rr.SHA256)
			}
			again, err := tc.read(name)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("retry delivered %d bytes (%v), not the %d bytes of the run", len(again), err, len(got))
			}
		})
	}

	// Send test delivers an encrypted test file.
	var test struct{ Location string }
	n.must(200, "POST", fmt.Sprintf("/api/v1/destinations/%d/test", folderAge.ID), nil, &test)
	tb, err := os.ReadFile(test.Location)
	if !strings.HasSuffix(test.Location, ".txt.age") || err != nil {
		t.Fatalf("Send test delivered %s: %v", test.Location, err)
	}
	if dec, err := ageDecrypt(tb); err != nil || !strings.HasPrefix(string(dec), "This is a test file written by Facteur") {
		t.Fatalf("Send test file decrypts to %q, %v", dec, err)
	}

	// The file name preview of a schedule to an encrypting destination
	// shows the extension the file will have.
	var ex struct{ Example string }
	n.must(200, "POST", "/api/v1/file-name/preview", map[string]any{"file_name": "orders.{ext}", "destination_id": sftpPGP.ID, "format": "csv", "compression": "gzip"}, &ex)
	if ex.Example != "orders.csv.gz.gpg" {
		t.Errorf("file name preview: %q", ex.Example)
	}

	// Keys that cannot be used are refused, and nothing is stored.
	for _, tc := range []struct {
		enc  map[string]any
		want string
	}{
		{map[string]any{"method": "age", "recipients": []string{"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"}}, "this is an age identity, a PRIVATE key"},
		{map[string]any{"method": "age", "recipients": []string{"age1nope"}}, "encryption.recipients[0]: not an age X25519 recipient"},
		{map[string]any{"method": "openpgp", "recipients": []string{"my key"}}, "not an armoured OpenPGP public key"},
		{map[string]any{"method": "zip"}, "encryption.method"},
	} {
		var bad struct{ Error struct{ Message string } }
		if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "bad", "kind": "folder", "config": map[string]any{"path": folder}, "encryption": tc.enc}, &bad); st != 400 || !strings.Contains(bad.Error.Message, tc.want) {
			t.Errorf("%v: %d %q, want 400 with %q", tc.enc, st, bad.Error.Message, tc.want)
		}
	}
	// A mail showing the rows in its body would send them in clear.
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	var bad struct{ Error struct{ Message string } }
	if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "mail", "kind": "email", "config": map[string]any{"to": []string{"partner@example.org"}, "body": "both"},
		"encryption": age}, &bad); st != 400 || !strings.HasPrefix(bad.Error.Message, "encryption: a mail that shows the rows in its body") {
		t.Errorf("encrypted mail with a table body: %d %q", st, bad.Error.Message)
	}
	var list []json.RawMessage
	n.must(200, "GET", "/api/v1/destinations", nil, &list)
	if len(list) != 5 {
		t.Fatalf("%d destinations after the refusals, want 5", len(list))
	}
}

// TestCrashResumesEncrypted: `facteur serve` is killed with SIGKILL while
// it exports to a destination that encrypts for an age recipient. The
// restarted process takes the run up as attempt 2 and delivers one file,
// which age -d turns into the export; nothing partial is left in the
// spool or the folder.
func TestCrashResumesEncrypted(t *testing.T) {
	ageTo, _, ageDecrypt, _ := encReferees(t)
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data, "--node-name", "first")
	var src, dest, rep, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, postgresURL(t))}, &src)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "sealed drop", "kind": "folder", "config": map[string]any{"path": outbox},
		"encryption": map[string]any{"method": "age", "recipients": []string{ageTo}}}, &dest)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "sealed", "source_id": src.ID, "sql": "select 7 as n from pg_sleep(4)"}, &rep)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "sealed.{ext}", "calendar": map[string]any{"frequency": "daily"}}, &sc)
	id := runNow(n, sc.ID)
	waitFile(t, filepath.Join(data, "spool", fmt.Sprintf(".run-%d.*.partial", id)))
	kill9(n)

	n = startServe(t, data, "--node-name", "second")
	r := n.waitRun(id)
	if r.Status != facteur.RunSucceeded || r.Attempt != 2 {
		t.Fatalf("after the crash: %s attempt %d; log %+v", r.Status, r.Attempt, r.Log)
	}
	if got := files(t, outbox); !slices.Equal(got, []string{"sealed.csv.age"}) {
		t.Fatalf("destination folder holds %v, want only sealed.csv.age", got)
	}
	sealed, err := os.ReadFile(filepath.Join(outbox, "sealed.csv.age"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ageDecrypt(sealed)
	if sum := sha256.Sum256(sealed); err != nil || string(plain) != "n\n7\n" || hex.EncodeToString(sum[:]) != r.SHA256 {
		t.Errorf("age -d: %q %v; file sha-256 %x, the run's %s", plain, err, sum, r.SHA256)
	}
	if m, _ := filepath.Glob(filepath.Join(data, "spool", ".*.partial")); len(m) > 0 {
		t.Errorf("partial files left in the spool: %v", m)
	}
}
