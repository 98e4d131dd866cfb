package faultpoint

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReach: a point holds only while its name is a line of the file;
// without the file, or with another name, Reach returns at once.
func TestReach(t *testing.T) {
	armed := filepath.Join(t.TempDir(), "points")
	file, hold = armed, 300*time.Millisecond
	t.Cleanup(func() { file, hold = "", 2*time.Second })
	took := func() time.Duration {
		start := time.Now()
		Reach(Delivered)
		return time.Since(start)
	}
	if d := took(); d > 100*time.Millisecond {
		t.Errorf("no file: held %s", d)
	}
	os.WriteFile(armed, []byte(Upload+"\n"+BeforeRename+"\n"), 0o644)
	if d := took(); d > 100*time.Millisecond {
		t.Errorf("other points armed: held %s", d)
	}
	os.WriteFile(armed, []byte(BeforeRename+"\n "+Delivered+" \n"), 0o644)
	if d := took(); d < 300*time.Millisecond {
		t.Errorf("armed: held only %s", d)
	}
	os.WriteFile(armed, nil, 0o644)
	if d := took(); d > 100*time.Millisecond {
		t.Errorf("disarmed: held %s", d)
	}
	for s, want := range map[string]time.Duration{"": 2 * time.Second, "500ms": 500 * time.Millisecond, "-1s": 2 * time.Second, "2m": 2 * time.Second, "x": 2 * time.Second} {
		if got := holdFrom(s); got != want {
			t.Errorf("holdFrom(%q) = %s, want %s", s, got, want)
		}
	}
}
