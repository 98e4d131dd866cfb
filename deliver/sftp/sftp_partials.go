package sftp

import (
	"context"
	"path"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

var _ facteur.PartialRemover = (*SFTP)(nil)

// RemovePartials removes from the target directory the temporary files
// ".NAME.RANDOM.partial" that interrupted uploads of the file name left,
// and returns their paths on the server. Only names of that exact shape
// are touched.
func (s *SFTP) RemovePartials(ctx context.Context, name string) ([]string, error) {
	if err := deliver.ValidateFileName(name); err != nil {
		return nil, err
	}
	ss, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	entries, err := ss.client.ReadDir(s.cfg.dir())
	if err != nil {
		return nil, s.dirError(ctx, ss.cause(err))
	}
	var removed []string
	for _, e := range entries {
		if !e.Mode().IsRegular() || !deliver.IsPartialOf(e.Name(), name) {
			continue
		}
		p := path.Join(s.cfg.dir(), e.Name())
		if err := ss.client.Remove(p); err != nil {
			return removed, s.uploadError(ctx, ss.cause(err))
		}
		removed = append(removed, p)
	}
	return removed, nil
}
