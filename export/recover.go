package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/facteur/facteur"
)

// RemovePartials removes what an interrupted attempt of run left behind:
// its partial file in the spool, and the temporary files of its delivery at
// destinations that can find them (facteur.PartialRemover). The run log
// says what was removed. Failures are logged, never fatal: the next
// delivery writes a new temporary file anyway.
func (r *Runner) RemovePartials(ctx context.Context, run *facteur.Run) {
	var removed []string
	matches, _ := filepath.Glob(filepath.Join(r.Spool, fmt.Sprintf(".run-%d.*.partial", run.ID)))
	for _, m := range matches {
		if err := os.Remove(m); err == nil {
			removed = append(removed, "spool/"+filepath.Base(m))
		}
	}
	if run.FileName != "" && run.DestinationID != 0 {
		if dest, err := r.Store.Destination(ctx, run.DestinationID); err == nil {
			if d, err := r.Deliverer(dest); err == nil {
				if pr, ok := d.(facteur.PartialRemover); ok {
					got, err := pr.RemovePartials(ctx, run.FileName)
					if err != nil {
						r.logf(ctx, run.ID, "warn", "Could not remove the interrupted attempt's temporary files at %q: %s", dest.Name, err)
					}
					removed = append(removed, got...)
				}
			}
		}
	}
	if len(removed) > 0 {
		r.logf(ctx, run.ID, "info", "Removed the partial files of the interrupted attempt: %s.", strings.Join(removed, ", "))
	}
}
