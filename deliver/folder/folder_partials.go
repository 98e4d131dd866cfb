package folder

import (
	"context"
	"os"
	"path/filepath"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

var _ facteur.PartialRemover = (*Folder)(nil)

// RemovePartials removes the temporary files ".NAME.RANDOM.partial" that
// interrupted deliveries of the file name left in the folder, and returns
// their paths. Only names of that exact shape (RANDOM in hexadecimal) are
// touched: never a delivered file, nor another file's temporary one.
func (f *Folder) RemovePartials(ctx context.Context, name string) ([]string, error) {
	if err := deliver.ValidateFileName(name); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, f.pathError(err)
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || !deliver.IsPartialOf(e.Name(), name) {
			continue
		}
		path := filepath.Join(f.dir, e.Name())
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return removed, f.ioError(ctx, err)
		}
		removed = append(removed, path)
	}
	return removed, nil
}
