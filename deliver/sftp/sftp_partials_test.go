package sftp_test

import (
	"context"
	"path"
	"slices"
	"testing"

	"github.com/facteur/facteur/deliver"
)

// TestSFTPRemovePartials: the attempt that takes over a delivery removes
// the temporary files interrupted uploads of its file left on the server,
// and nothing else: not the delivered file, not another file's temporary
// one, not a name that only looks alike.
func TestSFTPRemovePartials(t *testing.T) {
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	c := srv.client(t)
	stale := []string{".orders.csv.3fa9c2d1e0b4a5f6.partial", ".orders.csv.1.partial"}
	kept := []string{"orders.csv", ".orders.csv.xyz.partial", ".other.csv.3fa9c2d1e0b4a5f6.partial", "orders.csv.3fa9.partial", ".orders.csv.3fa9.partial.bak"}
	for _, name := range append(append([]string{}, stale...), kept...) {
		f, err := c.Create(path.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("half a file"))
		f.Close()
	}
	d := newSFTP(t, srv.keyConfig(dir), deliver.Env{})
	removed, err := d.RemovePartials(context.Background(), "orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, name := range stale {
		want = append(want, path.Join(dir, name))
	}
	slices.Sort(removed)
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	left := remoteFiles(t, c, dir)
	for _, name := range kept {
		if _, ok := left[name]; !ok {
			t.Errorf("%s was removed", name)
		}
	}
	if len(left) != len(kept) {
		t.Errorf("left %d files, want %d", len(left), len(kept))
	}
}
