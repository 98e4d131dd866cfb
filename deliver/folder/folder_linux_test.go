//go:build linux

package folder_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/delivertest"
)

// helperEnv names the directory that the helper process delivers to.
const helperEnv = "FACTEUR_DELIVER_HELPER_DIR"

// helperPrefix starts the helper process's line of output.
const helperPrefix = "FACTEUR-HELPER-RESULT "

// helperResult is what the helper process reports.
type helperResult struct {
	User    string
	Code    string
	Message string
}

// TestFolderHelperProcess is not a test: TestFolderReadOnlyDirectory runs
// the test binary again as an unprivileged user, and this delivers there.
func TestFolderHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process of TestFolderReadOnlyDirectory")
	}
	f := newFolder(t, dir, false)
	_, err := f.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x")))
	u, _ := user.Current()
	b, _ := json.Marshal(helperResult{User: u.Username, Code: facteur.ErrorCode(err), Message: facteur.ErrorMessage(err)})
	fmt.Printf("%s%s\n", helperPrefix, b)
}

// A directory the Facteur process may not write to fails with a message
// naming the directory and the process's user.
func TestFolderReadOnlyDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	var res helperResult
	if os.Geteuid() != 0 {
		f := newFolder(t, dir, false)
		_, err := f.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x")))
		u, _ := user.Current()
		res = helperResult{User: u.Username, Code: facteur.ErrorCode(err), Message: facteur.ErrorMessage(err)}
	} else {
		// Root ignores permission bits: deliver from a copy of this test
		// binary running as nobody, as a service user would.
		res = runAsNobody(t, dir)
	}
	want := "Directory " + dir + " is not writable by the Facteur process (user " + res.User + ")."
	if res.Code != facteur.EINVALID || res.Message != want {
		t.Errorf("error %s %q, want %s %q", res.Code, res.Message, facteur.EINVALID, want)
	}
	if files := readDir(t, dir); len(files) != 0 {
		t.Errorf("the read-only directory holds %d files, want none", len(files))
	}
}

// runAsNobody runs TestFolderHelperProcess as user nobody against dir. It
// skips the calling test, loudly, when the machine does not allow it.
func runAsNobody(t *testing.T, dir string) helperResult {
	t.Helper()
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("SKIPPED: running as root, which may write anywhere, and there is no user nobody to test a read-only directory with: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)

	// The test binary sits in a directory only root may enter: copy it
	// where nobody can run it.
	binDir, err := os.MkdirTemp("", "facteur-deliver-helper-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "deliver.test")
	if err := copyFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// nobody must reach dir (0555) through its parent, made 0700 by t.TempDir.
	for _, p := range []string{binDir, filepath.Dir(dir)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestFolderHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("SKIPPED: running as root, which may write anywhere, and this machine does not let the test run a process as nobody: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), helperPrefix); ok {
			var res helperResult
			if err := json.Unmarshal([]byte(line), &res); err != nil {
				t.Fatal(err)
			}
			return res
		}
	}
	t.Fatalf("helper process as nobody gave no result (%v):\n%s", err, out)
	return helperResult{}
}

// copyFile copies a file.
func copyFile(from, to string, perm os.FileMode) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// mountTmpfs mounts a new tmpfs on a fresh directory and returns it. It
// skips the test, loudly, unless the process may mount (root on Linux).
func mountTmpfs(t *testing.T, flags uintptr, data string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, data); err != nil {
		t.Skipf("SKIPPED: this test needs to mount a small tmpfs (root with CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// A full disk fails with EUNAVAILABLE, which a retry may fix, and leaves
// no temporary file behind.
func TestFolderDiskFull(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, 0, "size=1m,mode=0755")
	_, err := newFolder(t, dir, false).Deliver(t.Context(), delivertest.NewArtifact(t, "big.csv", delivertest.Content(4<<20, 7)))
	if facteur.ErrorCode(err) != facteur.EUNAVAILABLE || !facteur.Retryable(err) {
		t.Fatalf("error %v (code %q), want a retryable %q", err, facteur.ErrorCode(err), facteur.EUNAVAILABLE)
	}
	if want := "Not enough space in directory " + dir; !strings.HasPrefix(facteur.ErrorMessage(err), want) {
		t.Errorf("message %q, want it to start %q", facteur.ErrorMessage(err), want)
	}
	if files := readDir(t, dir); len(files) != 0 {
		t.Errorf("the full directory holds %d files, want none", len(files))
	}
}

// A directory on a read-only file system fails with a message saying so,
// even for root.
func TestFolderReadOnlyFileSystem(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, syscall.MS_RDONLY, "size=1m,mode=0755")
	for _, f := range []func() error{
		func() error {
			_, err := newFolder(t, dir, false).Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x")))
			return err
		},
		func() error { _, err := newFolder(t, dir, false).Test(t.Context()); return err },
	} {
		err := f()
		want := "Directory " + dir + " is on a read-only file system. Choose another directory or mount it read-write."
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.ErrorMessage(err) != want {
			t.Errorf("error %v, want EINVALID %q", err, want)
		}
	}
}
