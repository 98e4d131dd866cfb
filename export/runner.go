package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/internal/faultpoint"
	"github.com/facteur/facteur/internal/runlog"
)

// Runner executes runs: it loads what a run needs from the store, exports
// the report to a spooled artifact, delivers it and records everything in
// the run's history. The job queue calls Execute once per attempt.
type Runner struct {
	Store facteur.Store
	// Formats are the formats runs may write, which also give each file
	// its media type; nil means format.Builtin().
	Formats *format.Registry
	// Spool is the directory where artifacts are kept for retry and download.
	Spool string
	// OpenSource connects to a source.
	OpenSource func(ctx context.Context, s *facteur.Source) (facteur.Querier, error)
	// Deliverer returns the deliverer of a destination.
	Deliverer func(d *facteur.Destination) (facteur.Deliverer, error)
	// Kinds are the destination kinds: the run's snapshot leaves out each
	// kind's secret settings. Nil: kinds.Builtin().
	Kinds *deliver.Registry
	// Authorize checks that the run's owner may still deliver to the
	// destination (G4); it is called before every export and delivery.
	// A nil Authorize fails every run: there is no run without a check.
	// d is nil for a one-off export.
	Authorize func(ctx context.Context, run *facteur.Run, d *facteur.Destination) error
	// Exported is told when a one-off export's file is ready (to mail the
	// requester its link); nil does nothing.
	Exported func(ctx context.Context, run *facteur.Run) error
	Logger   *slog.Logger
	// ProgressInterval is how often the rows written so far are saved in the
	// run while it exports. Default 2s.
	ProgressInterval time.Duration
	// Fence is called just before the file is delivered: an error (the
	// node lost the run's lease to another) stops the attempt. Nil
	// delivers without asking.
	Fence func(ctx context.Context, run *facteur.Run) error
	// Policy returns the server's policy, whose run limits every run obeys
	// (lowered by its schedule's). Nil obeys the default limits.
	Policy func(ctx context.Context) (facteur.Policy, error)

	builtin   sync.Once // fills Formats when nil
	progress  sync.Map  // run id -> *atomic.Int64
	takeovers sync.Map  // run id -> true: the attempt took over (TookOver)
}

// kinds returns the destination kinds the runner knows.
func (r *Runner) kinds() *deliver.Registry {
	if r.Kinds == nil {
		return kinds.Builtin()
	}
	return r.Kinds
}

// Definition is the snapshot of what a run used, kept with the run so that
// its history shows the definition of the time even after edits.
type Definition struct {
	Schedule *facteur.Schedule `json:"schedule,omitempty"`
	// Part is the schedule's own report, its source, fields and the
	// values of its parameters.
	Part
	Destination *facteur.Destination `json:"destination"` // nil for a one-off export
	// Period keeps the rows of a time range (a one-off export's).
	Period *facteur.Period `json:"period,omitempty"`
	// Bundle are the further reports of a dashboard (A6), in order.
	Bundle []*Part `json:"bundle,omitempty"`
}

// Part is one report a run exports, as the run used it.
type Part struct {
	Report *facteur.Report `json:"report"`
	Source sourceInfo      `json:"source"`
	Fields []string        `json:"fields"`
	// Params are the values the run bound to the report's parameters,
	// defaults included, as the history shows them.
	Params facteur.ParamValues `json:"params,omitempty"`

	source *facteur.Source      // the source itself, with its DSN: never in the snapshot
	bound  []facteur.BoundParam // Params checked against the report's declarations
	rules  []facteur.FieldRule  // the obfuscation rules of its fields
}

// parts returns every report the run exports: the schedule's own first.
func (d *Definition) parts() []*Part {
	d.Part.rules = d.Schedule.Obfuscate
	return append([]*Part{&d.Part}, d.Bundle...)
}

// query is the report's query with the run's parameters, kept to the
// period.
func (p *Part) query(period *facteur.Period) facteur.Query {
	q := p.Report.QueryWith(p.bound)
	q.Period = period
	return q
}

// bindParams checks the schedule's values against the report's
// parameters as they are now, and records the values used.
func (p *Part) bindParams(values facteur.ParamValues) error {
	bound, err := facteur.BindParams(p.Report.Parameters, values)
	if err != nil {
		return facteur.Errorf(facteur.EINVALID, "the values of report %q's parameters no longer fit it (the report changed since the schedule was saved): %s; give the schedule the values it needs",
			p.Report.Name, facteur.ErrorMessage(err))
	}
	p.bound = bound
	if len(bound) > 0 {
		p.Params = make(facteur.ParamValues, len(bound))
		for _, b := range bound {
			p.Params[b.Name] = b.Value()
		}
	}
	return nil
}

type sourceInfo struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Progress returns the rows exported so far by a run executing on this
// node, and false when the run is not exporting here.
func (r *Runner) Progress(runID int64) (int64, bool) {
	v, ok := r.progress.Load(runID)
	if !ok {
		return 0, false
	}
	return v.(*atomic.Int64).Load(), true
}

// Execute runs one attempt of run: export (or reuse the file an earlier
// attempt or the retried run produced), deliver, and record file name,
// rows, bytes, SHA-256, stages, location and log lines in the run. It does
// not set the run's final status: the caller does, from the error.
//
// The attempt obeys the run limits (see runLimits): past its time limit it
// stops, and past its row or size limit the export stops; the error is
// then a *facteur.LimitError, which is not retried, and the partial file
// is removed.
func (r *Runner) Execute(ctx context.Context, run *facteur.Run) error {
	defer r.takeovers.Delete(run.ID)
	r.logf(ctx, run.ID, "info", "Attempt %d started.", run.Attempt)
	lim, err := r.runLimits(ctx, run)
	if err != nil {
		return err
	}
	ctx, stop := context.WithTimeoutCause(ctx, lim.Duration(), lim.err(facteur.LimitDuration))
	defer stop()
	err = limitCause(ctx, r.execute(ctx, run, lim))
	var limit *facteur.LimitError
	if errors.As(err, &limit) {
		msg := limit.Error()
		r.logf(ctx, run.ID, "error", "%s%s.", strings.ToUpper(msg[:1]), msg[1:])
		return limit
	}
	return err
}

// limits are the limits a run obeys and those its schedule set itself.
type limits struct {
	facteur.RunLimits
	own facteur.RunLimits
}

// err returns the error of a run stopped by the limit called name.
func (l limits) err(name string) *facteur.LimitError {
	e := &facteur.LimitError{Limit: name}
	switch name {
	case facteur.LimitDuration:
		e.Value, e.Schedule = l.MaxDurationSeconds, l.own.MaxDurationSeconds == l.MaxDurationSeconds
	case facteur.LimitRows:
		e.Value, e.Schedule = l.MaxRows, l.own.MaxRows == l.MaxRows
	case facteur.LimitBytes:
		e.Value, e.Schedule = l.MaxBytes, l.own.MaxBytes == l.MaxBytes
	}
	return e
}

// runLimits returns the policy's run limits, lowered by those of the run's
// schedule (or of the schedule it was created from, for a one-off export
// or a run whose schedule is gone).
func (r *Runner) runLimits(ctx context.Context, run *facteur.Run) (limits, error) {
	var p facteur.Policy
	if r.Policy != nil {
		var err error
		if p, err = r.Policy(ctx); err != nil {
			return limits{}, fmt.Errorf("load run limits: %w", err)
		}
	}
	var own facteur.RunLimits
	if run.ScheduleID != 0 {
		sc, err := r.Store.Schedule(ctx, run.ScheduleID)
		if err == nil {
			return limits{RunLimits: p.Effective(sc.Options.Limits), own: sc.Options.Limits}, nil
		} else if facteur.ErrorCode(err) != facteur.ENOTFOUND {
			return limits{}, fmt.Errorf("load schedule: %w", err)
		}
	}
	var old Definition
	if len(run.Definition) > 0 && json.Unmarshal(run.Definition, &old) == nil && old.Schedule != nil {
		own = old.Schedule.Options.Limits
	}
	return limits{RunLimits: p.Effective(own), own: own}, nil
}

// limitCause returns the limit that ended ctx, when one did and err is
// the attempt's failure; otherwise err.
func limitCause(ctx context.Context, err error) error {
	var limit *facteur.LimitError
	if err != nil && errors.As(context.Cause(ctx), &limit) {
		return limit
	}
	return err
}

// execute is Execute within the run's time limit.
func (r *Runner) execute(ctx context.Context, run *facteur.Run, lim limits) error {
	art, dest, confirm, err := r.artifact(ctx, run, lim)
	var skip *facteur.SkipError
	if errors.As(err, &skip) {
		// Only the attempt that holds the run removes its file: one that
		// lost its lease would remove the file of the one taking over.
		if r.Fence != nil {
			if ferr := r.Fence(ctx, run); ferr != nil {
				return ferr
			}
		}
		r.discard(ctx, run)
		r.logf(ctx, run.ID, "info", "Skipped by the schedule's condition: %s. Nothing was delivered and the file was removed.", skip.Reason)
		if uerr := r.Store.UpdateRun(context.WithoutCancel(ctx), run); uerr != nil {
			return errors.Join(err, uerr)
		}
		return skip
	}
	if err != nil {
		return err
	}
	if dest == nil {
		// A one-off export: its file waits in the spool to be downloaded.
		run.Location = "download"
		if r.Exported != nil {
			if err := r.Exported(ctx, run); err != nil {
				r.logf(ctx, run.ID, "warn", "The file is ready, but its link could not be mailed: %s", err)
			}
		}
		return r.Store.UpdateRun(ctx, run)
	}
	d, err := r.Deliverer(dest)
	if err != nil {
		return err
	}
	if r.Fence != nil {
		if err := r.Fence(ctx, run); err != nil {
			r.logf(ctx, run.ID, "warn", "Not delivering: %s", facteur.ErrorMessage(err))
			return err
		}
	}
	arts := []*facteur.Artifact{art}
	if separate(run) {
		arts = arts[:0]
		for _, f := range run.Files {
			arts = append(arts, r.fileArtifact(run, f))
		}
	}
	start := time.Now()
	for i, a := range arts {
		r.removeDeliveryPartials(ctx, run, d, a)
		r.logf(ctx, run.ID, "info", "Delivering %s (%d bytes) to %s %q.", a.Name, a.Size, dest.Kind, dest.Name)
		delivery, err := d.Deliver(ctx, a)
		run.Stages = setStage(run.Stages, "deliver", time.Since(start))
		if err != nil {
			err = facteur.WithStage(facteur.StageDeliver, err)
			r.logf(ctx, run.ID, "error", "Delivery failed: %s", err)
			if uerr := r.Store.UpdateRun(context.WithoutCancel(ctx), run); uerr != nil {
				return errors.Join(err, uerr)
			}
			return err
		}
		if i == 0 {
			run.Location = delivery.Location
		}
		if len(arts) > 1 {
			run.Files[i].Location = delivery.Location
		}
		r.logf(ctx, run.ID, "info", "Delivered to %s.", delivery.Location)
		if delivery.Note != "" {
			r.logf(ctx, run.ID, "info", "%s", delivery.Note)
		}
	}
	faultpoint.Reach(faultpoint.Delivered)
	if confirm {
		start := time.Now()
		err := facteur.WithStage(facteur.StageDeliver, r.confirm(ctx, run, art, d))
		run.Stages = setStage(run.Stages, "confirm", time.Since(start))
		if err != nil {
			r.logf(ctx, run.ID, "error", "%s", err)
			if uerr := r.Store.UpdateRun(context.WithoutCancel(ctx), run); uerr != nil {
				return errors.Join(err, uerr)
			}
			return err
		}
	}
	return r.Store.UpdateRun(ctx, run)
}

// artifact returns the file the run delivers (the retried run's, the one an
// earlier attempt of this run spooled, or a new export), where to, and
// whether the schedule of the definition used asks for a confirmation file.
func (r *Runner) artifact(ctx context.Context, run *facteur.Run, lim limits) (*facteur.Artifact, *facteur.Destination, bool, error) {
	if run.RetryOf != 0 {
		orig, err := r.Store.Run(ctx, run.RetryOf)
		if err != nil {
			return nil, nil, false, err
		}
		if err := copyFileInfo(run, orig); err != nil {
			return nil, nil, false, err
		}
		run.Definition = orig.Definition
		if err := r.retryWindow(ctx, run, orig); err != nil {
			return nil, nil, false, err
		}
		var used Definition
		confirm := json.Unmarshal(orig.Definition, &used) == nil && used.Schedule != nil && used.Schedule.Options.Confirmation
		dest, err := r.Store.Destination(ctx, run.DestinationID)
		if err != nil {
			return nil, nil, false, err
		}
		if err := r.authorize(ctx, run, dest); err != nil {
			return nil, nil, false, err
		}
		if separate(orig) {
			r.logf(ctx, run.ID, "info", "Re-delivering the %d files of run %d (sha-256 of their list %s).", len(orig.Files), orig.ID, orig.SHA256)
		} else {
			r.logf(ctx, run.ID, "info", "Re-delivering the file of run %d (%s, sha-256 %s).", orig.ID, orig.FileName, orig.SHA256)
		}
		return artifactOf(run, r.formats()), dest, confirm, r.Store.UpdateRun(ctx, run)
	}

	def, err := r.definition(ctx, run)
	if err != nil {
		return nil, nil, false, err
	}
	if err := r.authorize(ctx, run, def.Destination); err != nil {
		return nil, nil, false, err
	}
	confirm := def.Schedule.Options.Confirmation
	if err := r.window(ctx, run, def); err != nil {
		return nil, nil, false, err
	}
	if run.ArtifactPath != "" && spooled(run) {
		r.logf(ctx, run.ID, "info", "Reusing the file exported by an earlier attempt (%s).", run.FileName)
	} else if separate(run) && filesSpooled(run) {
		r.logf(ctx, run.ID, "info", "Reusing the %d files exported by an earlier attempt.", len(run.Files))
	} else if err := r.export(ctx, run, def, lim); err != nil {
		return nil, nil, false, err
	}
	if err := r.condition(ctx, run, def.Schedule); err != nil {
		return nil, nil, false, err
	}
	return artifactOf(run, r.formats()), def.Destination, confirm, nil
}

// authorize runs the Authorize check and logs a refusal.
func (r *Runner) authorize(ctx context.Context, run *facteur.Run, d *facteur.Destination) error {
	var err error = facteur.Errorf(facteur.EINTERNAL, "runs need an authorisation check and none is configured")
	if r.Authorize != nil {
		err = r.Authorize(ctx, run, d)
	}
	if err != nil {
		r.logf(ctx, run.ID, "error", "Refused: %s", facteur.ErrorMessage(err))
	}
	return err
}

// definition loads and snapshots the schedule, report, source and
// destination of a run.
func (r *Runner) definition(ctx context.Context, run *facteur.Run) (*Definition, error) {
	def := &Definition{}
	var err error
	if run.ScheduleID != 0 {
		if def.Schedule, err = r.Store.Schedule(ctx, run.ScheduleID); err != nil {
			return nil, fmt.Errorf("load schedule: %w", err)
		}
	} else if len(run.Definition) > 0 {
		// A one-off export, or a run whose schedule was deleted, keeps what
		// it was created with.
		var old Definition
		if err := json.Unmarshal(run.Definition, &old); err == nil && old.Schedule != nil {
			def.Schedule, def.Period = old.Schedule, old.Period
		}
	}
	if def.Schedule == nil {
		return nil, facteur.Errorf(facteur.EINVALID, "the schedule of this run no longer exists")
	}
	if err := r.loadPart(ctx, &def.Part, def.Schedule.Parts()[0]); err != nil {
		return nil, err
	}
	if run.Trigger != facteur.TriggerExport {
		if def.Destination, err = r.Store.Destination(ctx, def.Schedule.DestinationID); err != nil {
			return nil, fmt.Errorf("load destination: %w", err)
		}
	}
	for _, br := range def.Schedule.Parts()[1:] {
		p := &Part{}
		if err := r.loadPart(ctx, p, br); err != nil {
			return nil, err
		}
		def.Bundle = append(def.Bundle, p)
	}
	run.ReportID = def.Report.ID
	// The snapshot is shown in the history: never with the destination's secrets.
	snap := *def
	if def.Destination != nil {
		run.DestinationID = def.Destination.ID
		shown := *def.Destination
		if shown.Config, _, err = r.kinds().Redact(shown.Kind, shown.Config); err != nil {
			return nil, fmt.Errorf("snapshot definition: %w", err)
		}
		snap.Destination = &shown
	}
	if run.Definition, err = json.Marshal(snap); err != nil {
		return nil, fmt.Errorf("snapshot definition: %w", err)
	}
	return def, nil
}

// export runs the report (or, for a bundle, every report) into the spool
// and records the file(s) in the run.
func (r *Runner) export(ctx context.Context, run *facteur.Run, def *Definition, lim limits) error {
	if def.Schedule.Bundle != nil {
		return r.exportBundle(ctx, run, def, lim)
	}
	s := def.Schedule
	at := runTime(run, s)
	ext, plainExt, enc := r.extension(s.Format, def.Destination)
	name, err := RenderFileName(s.FileName, NameVars{Label: s.Name, ExportName: def.Report.Name, Time: at, RunID: run.ID, Ext: ext})
	if err != nil {
		return err
	}
	name, maxRows := testSpec(run, name)
	key, err := r.runHMACKey(ctx, def)
	if err != nil {
		return err
	}
	path := filepath.Join(r.Spool, fmt.Sprintf("run-%d.%s", run.ID, ext))
	res, err := r.exportPart(ctx, run, def, &def.Part, partJob{
		name: name, path: path, plainExt: plainExt, enc: enc, at: at, key: key, maxRows: maxRows, lim: lim,
		body: r.body(def.Destination, def.Report, path),
	})
	if err != nil {
		return err
	}
	run.FileName, run.Rows, run.Bytes, run.SHA256, run.ContentSHA256 = name, res.Rows, res.Bytes, res.SHA256, res.ContentSHA256
	run.PlainBytes, run.PlainSHA256 = res.PlainBytes, res.PlainSHA256
	run.ArtifactPath = path
	return r.Store.UpdateRun(ctx, run)
}

// runTime is the time a run's file is named and titled after: its slot,
// or its creation for a run on demand, in the schedule's time zone.
func runTime(run *facteur.Run, s *facteur.Schedule) time.Time {
	at := run.CreatedAt
	if run.ScheduledFor != nil {
		at = *run.ScheduledFor
	}
	if loc, err := time.LoadLocation(s.Calendar.TimeZone); err == nil {
		at = at.In(loc)
	}
	return at
}

// extension returns the extension of a file of format o delivered to d,
// that of what it holds when d encrypts, and d's encryption (nil: none).
func (r *Runner) extension(o facteur.FormatOptions, d *facteur.Destination) (ext, plainExt string, enc *facteur.Encryption) {
	ext = r.formats().FileExtension(o)
	plainExt = ext
	if d != nil && d.Encryption != nil {
		enc = d.Encryption
		ext += "." + enc.Ext()
	}
	return ext, plainExt, enc
}

// runHMACKey returns the key of the run's "hmac" rules, nil when no
// report of the run has one.
func (r *Runner) runHMACKey(ctx context.Context, def *Definition) ([]byte, error) {
	for _, p := range def.parts() {
		if facteur.NeedsHMACKey(p.rules) {
			return r.hmacKey(ctx, def.Schedule)
		}
	}
	return nil, nil
}

// partJob is what the export of one report writes: the file's name and
// spool path, its encryption, and the limits it obeys.
type partJob struct {
	name, path, plainExt string
	enc                  *facteur.Encryption
	at                   time.Time
	key                  []byte
	maxRows              int64
	lim                  limits
	body                 *Body
	format               facteur.FormatOptions // the schedule's, when zero
	// into, intoSize and encoder write the rows into a part of a file
	// (see Spec.Into): a sheet of a dashboard's workbook.
	into     io.Writer
	intoSize func() int64
	encoder  func(w io.Writer, t format.Target) (format.Encoder, error)
}

// exportPart runs the report of p into job.path and logs what it wrote.
func (r *Runner) exportPart(ctx context.Context, run *facteur.Run, def *Definition, p *Part, job partJob) (Result, error) {
	s := def.Schedule
	src := p.source
	r.logf(ctx, run.ID, "info", "Connecting to source %q (%s).", src.Name, src.Kind)
	start := time.Now()
	q, err := r.OpenSource(ctx, src)
	if err != nil {
		return Result{}, sourceError(err)
	}
	defer q.Close()
	run.Stages = setStage(run.Stages, "connect", time.Since(start))

	progress := new(atomic.Int64)
	r.progress.Store(run.ID, progress)
	defer r.progress.Delete(run.ID)
	stop := r.saveProgress(ctx, *run, progress)
	fo := s.Format
	if job.format.Format != "" {
		fo = job.format
	}
	r.logf(ctx, run.ID, "info", "Exporting report %q as %s.", p.Report.Name, fo.Format)
	fo.Neutralize = def.Destination == nil || !def.Destination.RawCells
	fo.TimeZone = s.Calendar.TimeZone
	res, err := Run(ctx, Spec{
		Source:         q,
		Query:          p.query(def.Period),
		Fields:         p.Fields,
		Obfuscate:      p.rules,
		HMACKey:        job.key,
		Format:         fo,
		Formats:        r.formats(),
		InnerName:      innerName(plainName(job.name, job.enc), job.plainExt),
		Title:          p.Report.Name,
		Time:           job.at,
		Period:         def.Period,
		Chart:          p.Report.Chart,
		Encryption:     job.enc,
		Path:           job.path,
		Body:           job.body,
		Progress:       progress,
		MaxRows:        job.maxRows,
		Limits:         facteur.RunLimits{MaxRows: job.lim.MaxRows, MaxBytes: job.lim.MaxBytes},
		ScheduleLimits: job.lim.own,
		Into:           job.into,
		IntoSize:       job.intoSize,
		Encoder:        job.encoder,
	})
	stop()
	if err = limitCause(ctx, err); err != nil {
		var limit *facteur.LimitError
		if errors.As(err, &limit) {
			return Result{}, err // Execute logs it
		}
		where := "" // the server's log, too, has the run's id: an encoder's bug is reported with it
		if st := facteur.ErrorStage(err); st != "" {
			where = " at the " + st + " stage"
		}
		if def.Bundle != nil {
			where += fmt.Sprintf(" (report %q)", p.Report.Name)
		}
		r.logf(ctx, run.ID, "error", "Export failed%s: %s", where, err)
		return Result{}, err
	}
	for _, st := range res.Stages {
		run.Stages = setStage(run.Stages, st.Name, st.Duration)
	}
	if job.into == nil {
		if err := writeColumns(job.path, res.Columns); err != nil {
			return Result{}, facteur.WithStage(facteur.StageSpool, facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot keep the report's columns beside the exported file in the spool."))
		}
	}
	how := ""
	if res.FastPath {
		how = " (written by the database's COPY)"
	}
	if job.into != nil {
		r.logf(ctx, run.ID, "info", "Exported %d rows.", res.Rows)
		return res, nil
	}
	r.logf(ctx, run.ID, "info", "Exported %d rows, %d bytes%s, sha-256 %s.", res.Rows, res.Bytes, how, res.SHA256)
	if job.enc != nil {
		r.logf(ctx, run.ID, "info", "Encrypted with %s to %d recipient(s); the file holds %d bytes, sha-256 %s.", job.enc.Method, len(job.enc.Recipients), res.PlainBytes, res.PlainSHA256)
	}
	if res.Note != "" {
		r.logf(ctx, run.ID, "warn", "%s", res.Note)
	}
	return res, nil
}

// saveProgress saves the rows exported so far in the run every
// ProgressInterval until the returned stop is called.
func (r *Runner) saveProgress(ctx context.Context, run facteur.Run, progress *atomic.Int64) (stop func()) {
	every := r.ProgressInterval
	if every <= 0 {
		every = 2 * time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				run.Rows = progress.Load()
				if err := r.Store.UpdateRun(ctx, &run); err != nil && r.Logger != nil {
					r.Logger.Warn("save run progress", "run", run.ID, "err", err)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (r *Runner) logf(ctx context.Context, runID int64, level, msg string, args ...any) {
	e := facteur.LogEntry{Time: time.Now().UTC(), Level: level, Message: fmt.Sprintf(msg, args...)}
	if err := r.Store.AppendRunLog(context.WithoutCancel(ctx), runID, e); err != nil && r.Logger != nil {
		r.Logger.Warn("append run log", "run", runID, "err", err)
	}
	if r.Logger != nil {
		r.Logger.Log(ctx, runlog.Level(level), e.Message, "run", runID)
	}
}

func setStage(stages []facteur.Stage, name string, d time.Duration) []facteur.Stage {
	for i := range stages {
		if stages[i].Name == name {
			stages[i].Duration = d
			return stages
		}
	}
	return append(stages, facteur.Stage{Name: name, Duration: d})
}

// plainName is the name of what the encrypted file called name holds.
func plainName(name string, enc *facteur.Encryption) string {
	if enc == nil {
		return name
	}
	return strings.TrimSuffix(name, "."+enc.Ext())
}

// innerName is the name of the CSV inside a csv.zip called name.
func innerName(name, ext string) string {
	base := name
	if ext != "" && len(name) > len(ext)+1 && name[len(name)-len(ext)-1:] == "."+ext {
		base = name[:len(name)-len(ext)-1]
	}
	return base + ".csv"
}

// formats returns the runner's formats, format.Builtin() when it has none.
func (r *Runner) formats() *format.Registry {
	r.builtin.Do(func() {
		if r.Formats == nil {
			r.Formats = format.Builtin()
		}
	})
	return r.Formats
}

// body returns what the export writes for the text of a mail when the
// destination d shows the report in it, nil when it does not. The file
// spooled at path keeps it beside it (BodyPaths).
func (r *Runner) body(d *facteur.Destination, report *facteur.Report, path string) *Body {
	if d == nil || d.Encryption != nil { // the rows never travel in clear beside an encrypted file
		return nil
	}
	k, err := r.kinds().Lookup(d.Kind)
	if err != nil || k.BodyRows == nil {
		return nil
	}
	n := k.BodyRows(d.Config)
	if n <= 0 {
		return nil
	}
	html, text, chart := BodyPaths(path)
	return &Body{MaxRows: n, HTMLPath: html, TextPath: text, ChartPath: chart, Chart: report.Chart, Title: report.Name}
}

// artifactOf returns the artifact of run, typed by formats, with the text
// of a mail when its export wrote one.
func artifactOf(run *facteur.Run, formats *format.Registry) *facteur.Artifact {
	id := run.ID
	if run.RetryOf != 0 {
		id = run.RetryOf
	}
	a := &facteur.Artifact{Path: run.ArtifactPath, Name: run.FileName, Size: run.Bytes, SHA256: run.SHA256, Rows: run.Rows, RunID: id,
		ContentType: formats.MediaType(run.FileName), DeliveringRun: run.ID, Test: run.Trigger == facteur.TriggerTest}
	if run.ArtifactPath != "" {
		a.Columns = readColumns(run.ArtifactPath)
		html, text, chart := BodyPaths(run.ArtifactPath)
		if exists(html) && exists(text) {
			a.Body = &facteur.Body{HTMLPath: html, TextPath: text}
			if exists(chart) {
				a.Body.ChartPath = chart
			}
		}
	}
	return a
}

// exists reports whether a file is at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// spooled reports whether the run's artifact is still in the spool, whole.
func spooled(run *facteur.Run) bool {
	fi, err := os.Stat(run.ArtifactPath)
	return err == nil && fi.Size() == run.Bytes && run.SHA256 != ""
}

// copyFileInfo gives a retry the file (or files) of the run it retries.
func copyFileInfo(run, orig *facteur.Run) error {
	if separate(orig) && !filesSpooled(orig) || !separate(orig) && (orig.ArtifactPath == "" || !spooled(orig)) {
		return facteur.Errorf(facteur.EINVALID, "run %d has no file to deliver again (it failed before exporting, or its file is no longer kept)", orig.ID)
	}
	run.FileName, run.Rows, run.Bytes, run.SHA256, run.ArtifactPath = orig.FileName, orig.Rows, orig.Bytes, orig.SHA256, orig.ArtifactPath
	run.ContentSHA256 = orig.ContentSHA256
	run.PlainBytes, run.PlainSHA256 = orig.PlainBytes, orig.PlainSHA256
	run.Packaging = orig.Packaging
	run.Files = make([]facteur.RunFile, len(orig.Files))
	for i, f := range orig.Files {
		f.Location = ""
		run.Files[i] = f
	}
	return nil
}
