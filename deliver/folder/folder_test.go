package folder_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/folder"
)

// newFolder returns a folder deliverer of dir and fails the test on error.
func newFolder(t *testing.T, dir string, overwrite bool) *folder.Folder {
	t.Helper()
	f, err := folder.New(folder.Config{Path: dir, Overwrite: overwrite})
	if err != nil {
		t.Fatalf("New(%q): %v", dir, err)
	}
	return f
}

// readDir returns every file of dir, hidden ones included, by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read directory: %v", err)
	}
	files := make(map[string][]byte, len(entries))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("read delivered file: %v", err)
		}
		files[e.Name()] = b
	}
	return files
}

// TestConformance runs the suite against folders of a temporary directory.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := folder.Kind()
	delivertest.Run(t, &kind, func(t *testing.T, overwrite bool) delivertest.Destination {
		dir := t.TempDir()
		return delivertest.Destination{
			Deliverer: newFolder(t, dir, overwrite),
			Files:     func(t *testing.T) map[string][]byte { return readDir(t, dir) },
		}
	})
}

func TestFolderLocationIsAbsolutePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	got, err := newFolder(t, dir+"/./", false).Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("id\n1\n")))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "a.csv"); got.Location != want {
		t.Errorf("Location = %q, want %q", got.Location, want)
	}
}

// A consumer polling the directory while a large file is delivered never
// sees the final name with less than the whole file (PRODUCT C5).
func TestFolderNoPartialFileVisible(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content := delivertest.Content(50<<20, 9)
	a := delivertest.NewArtifact(t, "big.csv", content)
	final := filepath.Join(dir, a.Name)

	var (
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		polls    int
		partials int     // polls that saw the final name with a wrong size
		sizes    []int64 // the first few such sizes
		temps    = map[string]bool{}
	)
	wg.Add(1)
	go func() { // owned by this test: stopped by stop, awaited by wg
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			polls++
			if fi, err := os.Stat(final); err == nil && fi.Size() != a.Size {
				if partials++; len(sizes) < 5 {
					sizes = append(sizes, fi.Size())
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != a.Name {
					temps[e.Name()] = true
				}
			}
		}
	}()
	_, err := newFolder(t, dir, false).Deliver(t.Context(), a)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if partials > 0 {
		t.Errorf("%d of %d polls saw %s before it was whole (%d bytes), with sizes %v…", partials, polls, a.Name, a.Size, sizes)
	}
	for name := range temps {
		if !strings.HasPrefix(name, ".big.csv.") || !strings.HasSuffix(name, ".partial") {
			t.Errorf("temporary file %q: want a hidden .big.csv.<random>.partial name that consumers ignore", name)
		}
	}
	t.Logf("%d polls of the directory during the delivery; temporary names seen: %v", polls, temps)
	if got := readDir(t, dir); len(got) != 1 || string(got[a.Name]) != string(content) {
		t.Errorf("after delivery the directory holds %d files; want only %s with the artifact's bytes", len(got), a.Name)
	}
}

// Re-delivering a file that is already there does not rewrite it: a
// consumer that has already picked it up does not see a new file.
func TestFolderRedeliveryDoesNotRewrite(t *testing.T) {
	t.Parallel()
	for _, overwrite := range []bool{false, true} {
		dir := t.TempDir()
		f := newFolder(t, dir, overwrite)
		a := delivertest.NewArtifact(t, "agents.csv", []byte("id,name\n1,Zoé\n"))
		if _, err := f.Deliver(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		final := filepath.Join(dir, a.Name)
		old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := os.Chtimes(final, old, old); err != nil {
			t.Fatal(err)
		}
		before, _ := os.Stat(final)
		if _, err := f.Deliver(t.Context(), a); err != nil {
			t.Fatalf("overwrite=%v: re-delivery: %v", overwrite, err)
		}
		after, _ := os.Stat(final)
		if !os.SameFile(before, after) || !after.ModTime().Equal(old) {
			t.Errorf("overwrite=%v: re-delivery rewrote the file (modified %v, want %v)", overwrite, after.ModTime(), old)
		}
	}
}

func TestFolderOverwriteReplacesFileOfOtherProgram(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "agents.csv"), []byte("someone else's file"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := newFolder(t, dir, false).Deliver(t.Context(), delivertest.NewArtifact(t, "agents.csv", []byte("ours")))
	want := "A different file named agents.csv already exists in " + dir + ". Enable overwrite or change the file name template."
	if facteur.ErrorCode(err) != facteur.ECONFLICT || facteur.ErrorMessage(err) != want {
		t.Errorf("without overwrite: error %v, want ECONFLICT %q", err, want)
	}
	if _, err := newFolder(t, dir, true).Deliver(t.Context(), delivertest.NewArtifact(t, "agents.csv", []byte("ours"))); err != nil {
		t.Fatalf("with overwrite: %v", err)
	}
	if got := readDir(t, dir); len(got) != 1 || string(got["agents.csv"]) != "ours" {
		t.Errorf("with overwrite the directory holds %q, want only agents.csv = \"ours\"", got)
	}
}

func TestFolderDirectoryNamedLikeFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "agents.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := newFolder(t, dir, true).Deliver(t.Context(), delivertest.NewArtifact(t, "agents.csv", []byte("x")))
	if facteur.ErrorCode(err) != facteur.ECONFLICT {
		t.Errorf("error %v, want code %q", err, facteur.ECONFLICT)
	}
}

func TestFolderMissingDirectory(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(parent, "exports")
	tests := []struct {
		dir, want string
	}{
		{missing, "Directory " + missing + " does not exist. Create it or correct the path."},
		{filepath.Join(file, "sub"), "Directory " + filepath.Join(file, "sub") + " does not exist. Create it or correct the path."},
		{file, file + " is not a directory. Correct the path."},
	}
	for _, tc := range tests {
		f := newFolder(t, tc.dir, false)
		_, errDeliver := f.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x")))
		_, errTest := f.Test(t.Context())
		for _, err := range []error{errDeliver, errTest} {
			if facteur.ErrorCode(err) != facteur.EINVALID || facteur.ErrorMessage(err) != tc.want {
				t.Errorf("error %v, want EINVALID %q", err, tc.want)
			}
			if facteur.Retryable(err) {
				t.Errorf("Retryable(%v) = true; a missing directory needs a user", err)
			}
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("the deliverer created the missing directory; it must not")
	}
}

func TestFolderTestFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	before := time.Now().UTC().Truncate(time.Second)
	got, err := newFolder(t, dir, false).Test(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(got.Location)
	stamp, ok := strings.CutPrefix(strings.TrimSuffix(name, ".txt"), "facteur-test-")
	when, err := time.Parse("20060102T150405Z", stamp)
	if !ok || err != nil || when.Before(before) || when.After(time.Now()) {
		t.Errorf("test file %q: want facteur-test-<UTC time of the test>.txt", name)
	}
	b, err := os.ReadFile(got.Location)
	if err != nil {
		t.Fatal(err)
	}
	if text := string(b); !strings.HasPrefix(text, "This is a test file written by Facteur") || !strings.Contains(text, dir) || !strings.HasSuffix(text, "\n") {
		t.Errorf("test file says %q; want a line saying it is Facteur's test file for %s", text, dir)
	}
}

func TestFolderLongFileName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := strings.Repeat("é", 125) + ".csv" // 254 bytes
	if _, err := newFolder(t, dir, false).Deliver(t.Context(), delivertest.NewArtifact(t, name, []byte("x"))); err != nil {
		t.Fatalf("Deliver of a %d-byte name: %v", len(name), err)
	}
	if got := readDir(t, dir); string(got[name]) != "x" || len(got) != 1 {
		t.Errorf("directory holds %d files, want only the long name", len(got))
	}
}

func TestNewFolder(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", "  ", "exports", "./exports", "~/exports", "/srv/ex\x00ports"} {
		_, err := folder.New(folder.Config{Path: path})
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "path: ") {
			t.Errorf("New(%q): error %v, want EINVALID naming path", path, err)
		}
	}
}

func TestParseFolderConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		want    folder.Config
		wantErr string // the start of the message
	}{
		{raw: `{"path": "/srv/exports"}`, want: folder.Config{Path: "/srv/exports"}},
		{raw: `{"path": "/srv/exports", "overwrite": true}`, want: folder.Config{Path: "/srv/exports", Overwrite: true}},
		{raw: ``, wantErr: "path: "},
		{raw: `null`, wantErr: "path: "},
		{raw: `{}`, wantErr: "path: "},
		{raw: `{"path": "exports"}`, wantErr: `path: "exports" is not an absolute path`},
		{raw: `{"path": "/srv", "overwrit": true}`, wantErr: "overwrit: unknown field"},
		{raw: `{"path": "/srv", "overwrite": "yes"}`, wantErr: "overwrite: expected true or false"},
		{raw: `{"path": 12}`, wantErr: "path: expected a string"},
		{raw: `{"path": "/srv"`, wantErr: "config: not valid JSON"},
		{raw: `["/srv"]`, wantErr: "config: expected a JSON object"},
		{raw: `{"path": "/srv"} {}`, wantErr: "config: expected a single JSON object"},
	}
	for _, tc := range tests {
		got, err := folder.ParseConfig(json.RawMessage(tc.raw))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseConfig(%s): %v", tc.raw, err)
		case tc.wantErr == "" && got != tc.want:
			t.Errorf("ParseConfig(%s) = %+v, want %+v", tc.raw, got, tc.want)
		case tc.wantErr != "" && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), tc.wantErr)):
			t.Errorf("ParseConfig(%s): error %v, want EINVALID starting %q", tc.raw, err, tc.wantErr)
		}
	}
}
