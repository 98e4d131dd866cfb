package export

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/facteur/facteur"
)

// Every error of an export says its stage, what a user reads and whether
// a retry can help.
func TestErrorStages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(errno syscall.Errno) error {
		return fmt.Errorf("write spool file: %w", &fs.PathError{Op: "write", Path: dir + "/.run-1.csv.1.partial", Err: errno})
	}
	sqlErr := facteur.WrapError(facteur.EINVALID, errors.New(`ERROR: relation "missing" does not exist (SQLSTATE 42P01)`), `sql: relation "missing" does not exist`)
	lost := facteur.WrapError(facteur.EUNAVAILABLE, errors.New("unexpected EOF"), "The connection to the database failed while running the query; trying again may help.")
	tests := []struct {
		name  string
		err   error
		stage string
		code  string
		retry bool
		msg   string // the start of what a user reads
	}{
		{"sql refused", sourceError(sqlErr), facteur.StageSource, facteur.EINVALID, false, `sql: relation "missing" does not exist`},
		{"connection lost", sourceError(lost), facteur.StageSource, facteur.EUNAVAILABLE, true, "The connection to the database failed"},
		{"missing field", sourceError(facteur.Errorf(facteur.EINVALID, "field %q is not in the query's result", "x")), facteur.StageSource, facteur.EINVALID, false, `field "x" is not`},
		{"disk full", spoolError(dir, write(syscall.ENOSPC)), facteur.StageSpool, facteur.EUNAVAILABLE, true, "The spool directory " + dir + " has "},
		{"quota", spoolError(dir, write(syscall.EDQUOT)), facteur.StageSpool, facteur.EUNAVAILABLE, true, "The spool directory " + dir + " has "},
		{"read-only", spoolError(dir, write(syscall.EROFS)), facteur.StageSpool, facteur.EUNAVAILABLE, true, "The spool directory " + dir + " is on a read-only file system"},
		{"permission", spoolError(dir, write(syscall.EACCES)), facteur.StageSpool, facteur.EUNAVAILABLE, true, "The spool directory " + dir + " is not writable"},
		{"i/o", spoolError(dir, write(syscall.EIO)), facteur.StageSpool, facteur.EUNAVAILABLE, true, "Writing the file into the spool directory " + dir + " failed"},
		{"encoder bug", encodeError(errors.New("format: row has 3 values for 2 columns")), facteur.StageEncode, facteur.EINTERNAL, false, "Writing the file failed because of an error in Facteur itself"},
		{"encoder refusal", encodeError(facteur.Errorf(facteur.EINVALID, "format.delimiter: use a single character")), facteur.StageEncode, facteur.EINVALID, false, "format.delimiter:"},
		{"staged once", encodeError(spoolError(dir, write(syscall.ENOSPC))), facteur.StageSpool, facteur.EUNAVAILABLE, true, "The spool directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := facteur.ErrorStage(tt.err); got != tt.stage {
				t.Errorf("stage %q, want %q (%v)", got, tt.stage, tt.err)
			}
			if got := facteur.ErrorCode(tt.err); got != tt.code {
				t.Errorf("code %q, want %q (%v)", got, tt.code, tt.err)
			}
			if got := facteur.Retryable(tt.err); got != tt.retry {
				t.Errorf("retryable %v, want %v (%v)", got, tt.retry, tt.err)
			}
			if msg := facteur.ErrorMessage(tt.err); !strings.HasPrefix(msg, tt.msg) {
				t.Errorf("message %q, want it to start with %q", msg, tt.msg)
			}
		})
	}
	if err := spoolError(dir, write(syscall.ENOSPC)); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("%v does not wrap its cause", err)
	}
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1536: "1.5 KB", 2 << 20: "2.0 MB", 12<<20 + 5: "12 MB", 3 << 30: "3.0 GB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
