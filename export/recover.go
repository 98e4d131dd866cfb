package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/facteur/facteur"
)

// TookOver tells the runner that the next attempt of run takes over from
// one that was interrupted (its node stopped): it removes that attempt's
// partial file from the spool now, and the temporary files of its delivery
// at the destination just before delivering, once the file's name is
// known. The run log says what was removed.
func (r *Runner) TookOver(ctx context.Context, run *facteur.Run) {
	var removed []string
	matches, _ := filepath.Glob(filepath.Join(r.Spool, fmt.Sprintf(".run-%d.*.partial", run.ID)))
	for _, m := range matches {
		if err := os.Remove(m); err == nil {
			removed = append(removed, "spool/"+filepath.Base(m))
		}
	}
	if len(removed) > 0 {
		r.logf(ctx, run.ID, "info", "Removed the partial file of the interrupted attempt: %s.", strings.Join(removed, ", "))
	}
	r.takeovers.Store(run.ID, true)
}

// removeDeliveryPartials removes, when this attempt took over from an
// interrupted one, the temporary files of the file's delivery at
// destinations that can find them (facteur.PartialRemover). Failures are
// logged, never fatal: the delivery writes a new temporary file anyway.
func (r *Runner) removeDeliveryPartials(ctx context.Context, run *facteur.Run, d facteur.Deliverer, art *facteur.Artifact) {
	if _, ok := r.takeovers.Load(run.ID); !ok { // Execute forgets it when the attempt ends
		return
	}
	pr, ok := d.(facteur.PartialRemover)
	if !ok {
		return
	}
	removed, err := pr.RemovePartials(ctx, art.Name)
	if err != nil {
		r.logf(ctx, run.ID, "warn", "Could not remove the interrupted attempt's temporary files at the destination: %s", facteur.ErrorMessage(err))
	}
	if len(removed) > 0 {
		r.logf(ctx, run.ID, "info", "Removed the temporary files of the interrupted delivery: %s.", strings.Join(removed, ", "))
	}
}
