package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/facteur/facteur"
)

// ManifestSuffix is appended to a file's name to name its confirmation file.
const ManifestSuffix = ".manifest.json"

// Manifest is the confirmation file delivered next to an export once the
// export is in place (C4), so that a consumer knows the file is complete
// and can check it.
type Manifest struct {
	FileName string `json:"file_name"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256"`
	// Encryption, ContentBytes and ContentSHA256 are set for an encrypted
	// file (C2): the method ("age" or "openpgp"), and the size and
	// SHA-256 of what the file holds, the bytes its recipients decrypt;
	// Bytes and SHA256 are those of the encrypted file as delivered.
	Encryption    string     `json:"encryption,omitempty"`
	ContentBytes  int64      `json:"content_bytes,omitempty"`
	ContentSHA256 string     `json:"content_sha256,omitempty"`
	RunID         int64      `json:"run_id"`
	ScheduledFor  *time.Time `json:"scheduled_for,omitempty"`
	ExportedAt    time.Time  `json:"exported_at"`
	// Window is the window of a run of an incremental schedule (A5): the
	// file holds the rows created or updated from its from (absent: from
	// the first row) to its to, excluded.
	Window *facteur.Window `json:"window,omitempty"`
}

// confirm delivers the manifest of a delivered artifact with d. The
// manifest describes the run that produced the file, so that a retry
// delivers the same manifest again.
func (r *Runner) confirm(ctx context.Context, run *facteur.Run, art *facteur.Artifact, d facteur.Deliverer) error {
	producer := run
	if run.RetryOf != 0 {
		orig, err := r.Store.Run(ctx, run.RetryOf)
		if err != nil {
			return err
		}
		producer = orig
	}
	m := Manifest{FileName: art.Name, Rows: art.Rows, Bytes: art.Size, SHA256: art.SHA256, RunID: art.RunID,
		ScheduledFor: producer.ScheduledFor, ExportedAt: producer.CreatedAt, Window: producer.Window}
	if producer.PlainSHA256 != "" {
		m.ContentBytes, m.ContentSHA256 = producer.PlainBytes, producer.PlainSHA256
		m.Encryption = encryptionOf(art.Name)
	}
	if producer.StartedAt != nil {
		m.ExportedAt = *producer.StartedAt
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	body = append(body, '\n')
	path := filepath.Join(r.Spool, fmt.Sprintf("run-%d%s", art.RunID, ManifestSuffix))
	if err := os.WriteFile(path, body, 0o640); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	sum := sha256.Sum256(body)
	manifest := &facteur.Artifact{Path: path, Name: art.Name + ManifestSuffix, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), RunID: art.RunID,
		ContentType: "application/json"}
	loc, err := d.Deliver(ctx, manifest)
	if err != nil {
		return fmt.Errorf("deliver the confirmation file: %w", err)
	}
	r.logf(ctx, run.ID, "info", "Confirmation file delivered to %s.", loc.Location)
	return nil
}

// encryptionOf returns the encryption method of a file from its name's
// extension.
func encryptionOf(name string) string {
	switch filepath.Ext(name) {
	case ".age":
		return facteur.EncryptAge
	case ".gpg":
		return facteur.EncryptOpenPGP
	}
	return ""
}
