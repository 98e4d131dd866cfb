package export

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// TestBundleZip64: a bundle's zip holding a file past 4 GiB (4 GiB and 1
// MiB of zeros, a sparse file in the spool) and a small one after it is
// read whole by unzip -t and by Python's zipfile, which find the large
// entry's ZIP64 size and both CRCs right. It writes and reads 4 GiB: it
// is left out by -short.
func TestBundleZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short: reads and deflates 4 GiB")
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "run-1.part1.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	const size = 4<<30 + 1<<20
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	small := filepath.Join(dir, "run-1.part2.csv")
	if err := os.WriteFile(small, []byte("id\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Spool: dir}
	path := filepath.Join(dir, "run-1.zip")
	files := []facteur.RunFile{{Name: "big.csv", Bytes: size, Path: big}, {Name: "small.csv", Bytes: 5, Path: small}}
	res, err := r.packZip(path, files, time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != res.Bytes {
		t.Fatalf("zip %v %v, result %d bytes", fi, err, res.Bytes)
	}
	if out, err := exec.Command("unzip", "-t", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "No errors detected") {
		t.Fatalf("unzip -t: %v\n%s", err, out)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(" ".join("%s=%d" % (i.filename, i.file_size) for i in z.infolist()), z.read("small.csv").decode().replace("\n", "|"))
`, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "big.csv=4296015872 small.csv=5 id|1|" {
		t.Fatalf("python zipfile: %v\n%s", err, out)
	}
}
