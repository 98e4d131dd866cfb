package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// ManifestSuffix is appended to a file's name to name its confirmation
// file, unless the schedule names it otherwise.
const ManifestSuffix = ".manifest.json"

// Manifest is the confirmation file delivered once every file of a run is
// in place (C4), so that a consumer that waits for it never sees part of
// a delivery, knows the files are complete and can check them.
type Manifest struct {
	// FileName, Rows, Bytes and SHA256 are those of the file delivered: the
	// export, or the zip of a bundle. A bundle whose files are delivered
	// each on its own has no file of its own: Rows and Bytes then sum its
	// files up, and FileName and SHA256 are left out.
	FileName string `json:"file_name,omitempty"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256,omitempty"`
	// Encryption, ContentBytes and ContentSHA256 are set for an encrypted
	// file (C2): the method ("age" or "openpgp"), and the size and
	// SHA-256 of what the file holds, the bytes its recipients decrypt;
	// Bytes and SHA256 are those of the encrypted file as delivered.
	Encryption    string `json:"encryption,omitempty"`
	ContentBytes  int64  `json:"content_bytes,omitempty"`
	ContentSHA256 string `json:"content_sha256,omitempty"`
	RunID         int64  `json:"run_id"`
	// ScheduleID and Schedule are the schedule of the run and its name.
	ScheduleID int64  `json:"schedule_id,omitempty"`
	Schedule   string `json:"schedule,omitempty"`
	// Packaging is a bundle's ("zip" or "files"), "" for one report.
	Packaging    string          `json:"packaging,omitempty"`
	Period       *ManifestPeriod `json:"period,omitempty"`
	ScheduledFor *time.Time      `json:"scheduled_for,omitempty"`
	ExportedAt   time.Time       `json:"exported_at"`
	// Files are every file of the delivery: the export itself, the files
	// of a bundle delivered each on its own, or the entries of its zip
	// (their Bytes and SHA256 those of the entry once extracted).
	Files []ManifestFile `json:"files"`
	// Window is the window of a run of an incremental schedule (A5): the
	// file holds the rows created or updated from its from (absent: from
	// the first row) to its to, excluded.
	Window *facteur.Window `json:"window,omitempty"`
}

// ManifestFile is one file of a delivery.
type ManifestFile struct {
	Name          string `json:"name"`
	Report        string `json:"report,omitempty"`
	Rows          int64  `json:"rows"`
	Bytes         int64  `json:"bytes"`
	SHA256        string `json:"sha256"`
	Encryption    string `json:"encryption,omitempty"`
	ContentBytes  int64  `json:"content_bytes,omitempty"`
	ContentSHA256 string `json:"content_sha256,omitempty"`
}

// ManifestPeriod is the time range a run's rows were kept to.
type ManifestPeriod struct {
	Column string     `json:"column"`
	From   *time.Time `json:"from,omitempty"`
	To     *time.Time `json:"to,omitempty"`
}

// manifestOf returns the manifest of the files of producer, the run that
// exported them, and the schedule that asked (nil when unknown).
func manifestOf(producer *facteur.Run, def *Definition) Manifest {
	m := Manifest{RunID: producer.ID, ScheduledFor: producer.ScheduledFor, ExportedAt: producer.CreatedAt, Rows: producer.Rows, Bytes: producer.Bytes, Window: producer.Window}
	if producer.StartedAt != nil {
		m.ExportedAt = *producer.StartedAt
	}
	if def != nil && def.Schedule != nil {
		m.ScheduleID, m.Schedule, m.Packaging = producer.ScheduleID, def.Schedule.Name, def.Schedule.Packaging()
	}
	if def != nil && def.Period != nil {
		m.Period = &ManifestPeriod{Column: def.Period.Column}
		if !def.Period.From.IsZero() {
			m.Period.From = &def.Period.From
		}
		if !def.Period.To.IsZero() {
			m.Period.To = &def.Period.To
		}
	}
	if !separate(producer) {
		m.FileName, m.SHA256 = producer.FileName, producer.SHA256
		if producer.PlainSHA256 != "" {
			m.Encryption, m.ContentBytes, m.ContentSHA256 = encryptionOf(producer.FileName), producer.PlainBytes, producer.PlainSHA256
		}
	}
	if len(producer.Files) == 0 {
		m.Files = []ManifestFile{{Name: m.FileName, Rows: m.Rows, Bytes: m.Bytes, SHA256: m.SHA256,
			Encryption: m.Encryption, ContentBytes: m.ContentBytes, ContentSHA256: m.ContentSHA256}}
		return m
	}
	for _, f := range producer.Files {
		mf := ManifestFile{Name: f.Name, Report: f.ReportName, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}
		if f.PlainSHA256 != "" {
			mf.Encryption, mf.ContentBytes, mf.ContentSHA256 = encryptionOf(f.Name), f.PlainBytes, f.PlainSHA256
		}
		m.Files = append(m.Files, mf)
	}
	return m
}

// Text is the manifest's one-line text form: space-separated key=value
// pairs, names quoted as Go quotes them; the files follow in order, each
// starting with file=.
func (m Manifest) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run_id=%d", m.RunID)
	if m.ScheduleID != 0 {
		fmt.Fprintf(&b, " schedule_id=%d schedule=%s", m.ScheduleID, strconv.Quote(m.Schedule))
	}
	if m.Packaging != "" {
		fmt.Fprintf(&b, " packaging=%s", m.Packaging)
	}
	if m.Period != nil {
		fmt.Fprintf(&b, " period_column=%s period_from=%s period_to=%s", strconv.Quote(m.Period.Column), textTime(m.Period.From), textTime(m.Period.To))
	}
	if m.ScheduledFor != nil {
		fmt.Fprintf(&b, " scheduled_for=%s", m.ScheduledFor.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&b, " exported_at=%s", m.ExportedAt.UTC().Format(time.RFC3339))
	if m.FileName != "" {
		fmt.Fprintf(&b, " file_name=%s sha256=%s", strconv.Quote(m.FileName), m.SHA256)
	}
	fmt.Fprintf(&b, " rows=%d bytes=%d files=%d", m.Rows, m.Bytes, len(m.Files))
	for _, f := range m.Files {
		fmt.Fprintf(&b, " file=%s rows=%d bytes=%d sha256=%s", strconv.Quote(f.Name), f.Rows, f.Bytes, f.SHA256)
		if f.ContentSHA256 != "" {
			fmt.Fprintf(&b, " encryption=%s content_bytes=%d content_sha256=%s", f.Encryption, f.ContentBytes, f.ContentSHA256)
		}
	}
	return b.String() + "\n"
}

func textTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// manifestName returns the name of the confirmation file of a delivery
// named file: the schedule's template, or file with ".manifest.json"
// (".manifest.txt" for the text form).
func manifestName(s *facteur.Schedule, file string, v NameVars) (string, error) {
	c := s.Options.ConfirmationFile
	if c == nil || c.Name == "" {
		if c != nil && c.Format == facteur.ConfirmText {
			return RenderFileName("{file}.manifest.txt", NameVars{File: file})
		}
		return RenderFileName("{file}"+ManifestSuffix, NameVars{File: file})
	}
	v.File = file
	name, err := RenderFileName(c.Name, v)
	if err != nil {
		return "", facteur.Errorf(facteur.EINVALID, "options.confirmation_file.name: %s", strings.TrimPrefix(facteur.ErrorMessage(err), "file_name: "))
	}
	return name, nil
}

// confirm delivers the confirmation file of the delivered files of run
// with d, last. It describes the run that produced the files, so that a
// retry delivers the same manifest again.
func (r *Runner) confirm(ctx context.Context, run *facteur.Run, art *facteur.Artifact, d facteur.Deliverer) error {
	producer := run
	if run.RetryOf != 0 {
		orig, err := r.Store.Run(ctx, run.RetryOf)
		if err != nil {
			return err
		}
		producer = orig
	}
	var def Definition
	if json.Unmarshal(producer.Definition, &def) != nil || def.Schedule == nil {
		return facteur.Errorf(facteur.EINTERNAL, "the run has no definition to write its confirmation file from")
	}
	m := manifestOf(producer, &def)
	s := def.Schedule
	file := art.Name
	if separate(producer) {
		// No file of its own: the manifest is named after the bundle.
		var err error
		file, err = RenderFileName(s.FileName, NameVars{Label: s.Name, ExportName: s.Name, Time: runTime(producer, s), RunID: producer.ID, Ext: r.formats().FileExtension(s.Format)})
		if err != nil {
			return err
		}
	}
	name, err := manifestName(s, file, NameVars{Label: s.Name, ExportName: s.Name, Time: runTime(producer, s), RunID: producer.ID, Ext: "manifest"})
	if err != nil {
		return err
	}
	var body []byte
	contentType := "application/json"
	if c := s.Options.ConfirmationFile; c != nil && c.Format == facteur.ConfirmText {
		body, contentType = []byte(m.Text()), "text/plain; charset=utf-8"
	} else {
		if body, err = json.MarshalIndent(m, "", "  "); err != nil {
			return err
		}
		body = append(body, '\n')
	}
	path := filepath.Join(r.Spool, fmt.Sprintf("run-%d%s", art.RunID, ManifestSuffix))
	if err := os.WriteFile(path, body, 0o640); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	sum := sha256.Sum256(body)
	manifest := &facteur.Artifact{Path: path, Name: name, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), RunID: art.RunID,
		ContentType: contentType}
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
