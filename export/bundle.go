package export

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// loadPart loads the report of br, its source, the fields it exports and
// the values of its parameters into p.
func (r *Runner) loadPart(ctx context.Context, p *Part, br facteur.BundleReport) error {
	var err error
	if p.Report, err = r.Store.Report(ctx, br.ReportID); facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return facteur.Errorf(facteur.EINVALID, "report %d of the schedule no longer exists; edit the schedule", br.ReportID)
	} else if err != nil {
		return fmt.Errorf("load report: %w", err)
	}
	src, err := r.Store.Source(ctx, p.Report.SourceID)
	if err != nil {
		return fmt.Errorf("load source: %w", err)
	}
	p.Source, p.source = sourceInfo{ID: src.ID, Name: src.Name, Kind: src.Kind}, src
	if p.Fields, err = p.Report.SelectFields(br.IncludeFields, br.Obfuscate); err != nil {
		return err
	}
	p.rules = br.Obfuscate
	return p.bindParams(br.Params)
}

// BundleNames returns the name of each report's file in a bundle of
// schedule s (reports in the schedule's order, by name), as the template
// gives them with {export_name}, and the name of the one file that holds
// them all (a zip, workbook or document, named with {export_name} the
// schedule's name), "" for packaging "files". ext is the extension of
// each report's file; bundleExt that of the one file. Two files of the
// same name fail with EINVALID, saying to put {export_name} in the
// template: the rule that names the files at run time checks the
// template when the schedule is saved.
func BundleNames(s *facteur.Schedule, reports []string, v NameVars, ext, bundleExt string) (files []string, bundle string, err error) {
	seen := make(map[string]int, len(reports))
	for i, rep := range reports {
		v.ExportName, v.Ext = rep, ext
		name, err := RenderFileName(s.FileName, v)
		if err != nil {
			return nil, "", err
		}
		if j, ok := seen[name]; ok && s.Packaging() != facteur.PackXLSX { // sheets are named by their reports
			return nil, "", facteur.Errorf(facteur.EINVALID, "file_name: the template gives the files of reports %q and %q the same name %q; put {export_name} in it so that each report's file has its own name",
				reports[j], rep, name)
		}
		seen[name] = i
		files = append(files, name)
	}
	if s.Packaging() != facteur.PackFiles {
		v.ExportName, v.Ext = s.Name, bundleExt
		if bundle, err = RenderFileName(s.FileName, v); err != nil {
			return nil, "", err
		}
	}
	return files, bundle, nil
}

// partPath is where the file of a bundle's seq-th report (from 1) is
// spooled: a name the spool's pruning and an interrupted attempt's
// cleaning (TookOver) read as the run's.
func (r *Runner) partPath(runID int64, seq int, ext string) string {
	return filepath.Join(r.Spool, fmt.Sprintf("run-%d.part%d.%s", runID, seq, ext))
}

// exportBundle exports every report of a bundle into the spool and
// packages them: "files" keeps each file (encrypted each, when the
// destination encrypts), "zip" streams them into one zip file (encrypted
// as a whole). A report that fails fails the run, and the files of the
// others are removed: nothing of a bundle is delivered unless all of it
// is.
func (r *Runner) exportBundle(ctx context.Context, run *facteur.Run, def *Definition, lim limits) error {
	s := def.Schedule
	pack := s.Bundle.Packaging
	at := runTime(run, s)
	parts := def.parts()
	key, err := r.runHMACKey(ctx, def)
	if err != nil {
		return err
	}
	ext, plainExt, enc := r.extension(s.Format, def.Destination)
	partEnc, partExt := enc, ext
	bundleExt := "zip"
	if pack == facteur.PackXLSX {
		bundleExt = "xlsx"
	}
	if pack != facteur.PackFiles {
		partEnc, partExt = nil, plainExt
		if enc != nil {
			bundleExt += "." + enc.Ext()
		}
	}
	reports := make([]string, len(parts))
	for i, p := range parts {
		reports[i] = p.Report.Name
	}
	names, bundle, err := BundleNames(s, reports, NameVars{Label: s.Name, Time: at, RunID: run.ID}, partExt, bundleExt)
	if err != nil {
		return err
	}
	var maxRows int64
	if pack == facteur.PackFiles {
		for i := range names {
			names[i], maxRows = testSpec(run, names[i])
		}
	} else {
		bundle, maxRows = testSpec(run, bundle)
	}
	r.logf(ctx, run.ID, "info", "Exporting the %d reports of the bundle (%s).", len(parts), pack)
	if pack == facteur.PackXLSX {
		return r.exportWorkbook(ctx, run, def, parts, partJob{name: bundle, enc: enc, at: at, key: key, maxRows: maxRows, lim: lim})
	}
	files := make([]facteur.RunFile, 0, len(parts))
	var rows, size int64
	for i, p := range parts {
		path := r.partPath(run.ID, i+1, partExt)
		res, err := r.exportPart(ctx, run, def, p, partJob{name: names[i], path: path, plainExt: plainExt, enc: partEnc,
			at: at, key: key, maxRows: maxRows, lim: lim})
		if err == nil {
			rows, size = rows+res.Rows, size+res.Bytes
			files = append(files, facteur.RunFile{Name: names[i], ReportID: p.Report.ID, ReportName: p.Report.Name, Rows: res.Rows, Bytes: res.Bytes,
				SHA256: res.SHA256, ContentSHA256: res.ContentSHA256, PlainBytes: res.PlainBytes, PlainSHA256: res.PlainSHA256, Path: path})
			switch {
			case lim.MaxRows > 0 && rows > lim.MaxRows:
				err = lim.err(facteur.LimitRows)
			case lim.MaxBytes > 0 && size > lim.MaxBytes:
				err = lim.err(facteur.LimitBytes)
			}
		}
		if err != nil {
			removeFiles(files)
			if i+1 < len(parts) {
				r.logf(ctx, run.ID, "error", "Report %d of %d (%q) failed: the bundle is not delivered, and the files of the reports before it were removed.", i+1, len(parts), p.Report.Name)
			}
			return err
		}
	}
	run.Rows, run.ContentSHA256 = rows, listSum(files, func(f facteur.RunFile) string { return f.ContentSHA256 })
	if pack == facteur.PackFiles {
		run.FileName, run.Bytes, run.ArtifactPath = files[0].Name, size, ""
		run.SHA256 = listSum(files, func(f facteur.RunFile) string { return f.SHA256 })
		run.PlainBytes, run.PlainSHA256 = 0, ""
		if enc != nil {
			for _, f := range files {
				run.PlainBytes += f.PlainBytes
			}
			run.PlainSHA256 = listSum(files, func(f facteur.RunFile) string { return f.PlainSHA256 })
		}
		run.Files, run.Packaging = files, pack
		return r.Store.UpdateRun(ctx, run)
	}
	path := filepath.Join(r.Spool, fmt.Sprintf("run-%d.%s", run.ID, bundleExt))
	f, _ := r.formats().Lookup(s.Format.Format)
	packed, err := r.packZip(path, files, at, enc, f.Compressible && s.Format.Compression == "")
	removeFiles(files) // their bytes are in the bundle now
	if err != nil {
		r.logf(ctx, run.ID, "error", "Packaging the bundle failed: %s", err)
		return err
	}
	if lim.MaxBytes > 0 && packed.Bytes > lim.MaxBytes {
		os.Remove(path)
		return lim.err(facteur.LimitBytes)
	}
	for i := range files {
		files[i].Path = ""
	}
	r.logf(ctx, run.ID, "info", "Packaged %d files in %s: %d bytes, sha-256 %s.", len(files), bundle, packed.Bytes, packed.SHA256)
	run.Files, run.FileName, run.Bytes, run.SHA256, run.ArtifactPath = files, bundle, packed.Bytes, packed.SHA256, path
	run.PlainBytes, run.PlainSHA256, run.Packaging = packed.PlainBytes, packed.PlainSHA256, pack
	return r.Store.UpdateRun(ctx, run)
}

// packZip streams the files into one zip file spooled at path, entries
// named after the files and dated at, compressed (deflate) when compress
// says their format gains from it, the whole encrypted with enc (nil:
// in clear). archive/zip writes ZIP64 records when an entry or the
// archive passes 4 GiB. On failure nothing is left at path.
func (r *Runner) packZip(path string, files []facteur.RunFile, at time.Time, enc *facteur.Encryption, compress bool) (Result, error) {
	spool, err := createSpool(path, "", enc)
	if err != nil {
		return Result{}, err
	}
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	zw := zip.NewWriter(spool.out)
	for _, f := range files {
		if err := copyEntry(zw, f, method, at); err != nil {
			return Result{}, spool.abort(err)
		}
	}
	if err := zw.Close(); err != nil {
		return Result{}, spool.abort(writeError{fmt.Errorf("write zip: %w", err)})
	}
	if err := spool.commit(path); err != nil {
		return Result{}, spool.abort(err)
	}
	res := Result{}
	res.Bytes, res.SHA256 = spool.sum()
	res.PlainBytes, res.PlainSHA256, _ = spool.plainSum()
	return res, nil
}

// copyEntry writes the spooled file f into zw as an entry of its name.
func copyEntry(zw *zip.Writer, f facteur.RunFile, method uint16, at time.Time) error {
	in, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Name, err)
	}
	defer in.Close()
	h := &zip.FileHeader{Name: f.Name, Method: method, Modified: at}
	h.SetMode(0o644)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return writeError{fmt.Errorf("write zip: %w", err)}
	}
	if _, err := io.Copy(w, in); err != nil {
		return writeError{fmt.Errorf("write zip entry %s: %w", f.Name, err)}
	}
	return nil
}

// listSum returns the hex SHA-256 of the files' lines (RunFile.SumLine)
// with the sum that sum picks of each.
func listSum(files []facteur.RunFile, sum func(facteur.RunFile) string) string {
	h := sha256.New()
	for _, f := range files {
		io.WriteString(h, f.SumLine(sum(f)))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// removeFiles removes the spooled files.
func removeFiles(files []facteur.RunFile) {
	for _, f := range files {
		if f.Path != "" {
			os.Remove(f.Path)
			os.Remove(ColumnsPath(f.Path))
		}
	}
}

// separate reports whether run delivers its files each on its own.
func separate(run *facteur.Run) bool { return run.Separate() }

// filesSpooled reports whether every file of run is still in the spool,
// whole.
func filesSpooled(run *facteur.Run) bool {
	for _, f := range run.Files {
		fi, err := os.Stat(f.Path)
		if err != nil || fi.Size() != f.Bytes || f.SHA256 == "" {
			return false
		}
	}
	return len(run.Files) > 0
}

// fileArtifact returns the artifact of a bundle's file delivered on its own.
func (r *Runner) fileArtifact(run *facteur.Run, f facteur.RunFile) *facteur.Artifact {
	id := run.ID
	if run.RetryOf != 0 {
		id = run.RetryOf
	}
	return &facteur.Artifact{Path: f.Path, Name: f.Name, Size: f.Bytes, SHA256: f.SHA256, Rows: f.Rows, RunID: id,
		ContentType: r.formats().MediaType(f.Name), DeliveringRun: run.ID, Test: run.Trigger == facteur.TriggerTest,
		Columns: readColumns(f.Path)}
}

// exportWorkbook exports every report of a bundle into one XLSX workbook,
// a sheet (or more, past a sheet's rows) per report named after it,
// spooled as job.name, encrypted with job.enc when the destination asks.
// A report that fails fails the run and leaves nothing.
func (r *Runner) exportWorkbook(ctx context.Context, run *facteur.Run, def *Definition, parts []*Part, job partJob) error {
	s := def.Schedule
	ext := "xlsx"
	if job.enc != nil {
		ext += "." + job.enc.Ext()
	}
	loc, err := facteur.LoadZone("calendar.time_zone", s.Calendar.TimeZone)
	if err != nil {
		return err
	}
	path := filepath.Join(r.Spool, fmt.Sprintf("run-%d.%s", run.ID, ext))
	spool, err := createSpool(path, "", job.enc)
	if err != nil {
		return err
	}
	book := format.NewXLSXWorkbook(spool.out, format.XLSXOptions{Neutralize: def.Destination == nil || !def.Destination.RawCells,
		TextDates: s.Format.XLSXDates == facteur.XLSXDatesText, Location: loc})
	files := make([]facteur.RunFile, 0, len(parts))
	var rows int64
	for i, p := range parts {
		first := len(book.Sheets())
		sheet := partJob{name: p.Report.Name, plainExt: "xlsx", at: job.at, key: job.key, maxRows: job.maxRows, lim: job.lim,
			into: spool.out, intoSize: spool.size, encoder: func(_ io.Writer, t format.Target) (format.Encoder, error) { return book.Sheet(p.Report.Name, t.Cols) }}
		res, err := r.exportPart(ctx, run, def, p, sheet)
		if err == nil && job.lim.MaxRows > 0 && rows+res.Rows > job.lim.MaxRows {
			err = job.lim.err(facteur.LimitRows)
		}
		if err != nil {
			if i+1 < len(parts) {
				r.logf(ctx, run.ID, "error", "Report %d of %d (%q) failed: the bundle is not delivered.", i+1, len(parts), p.Report.Name)
			}
			return spool.abort(err)
		}
		rows += res.Rows
		files = append(files, facteur.RunFile{Name: book.Sheets()[first], ReportID: p.Report.ID, ReportName: p.Report.Name, Rows: res.Rows})
	}
	if err := book.Close(); err != nil {
		return spool.abort(encodeError(err))
	}
	if err := spool.commit(path); err != nil {
		return spool.abort(err)
	}
	run.Bytes, run.SHA256 = spool.sum()
	if job.lim.MaxBytes > 0 && run.Bytes > job.lim.MaxBytes {
		os.Remove(path)
		return job.lim.err(facteur.LimitBytes)
	}
	run.ContentSHA256 = spool.contentSum()
	run.PlainBytes, run.PlainSHA256, _ = spool.plainSum()
	r.logf(ctx, run.ID, "info", "Wrote the workbook %s: %d sheets, %d bytes, sha-256 %s.", job.name, len(book.Sheets()), run.Bytes, run.SHA256)
	run.Files, run.FileName, run.Rows, run.ArtifactPath, run.Packaging = files, job.name, rows, path, facteur.PackXLSX
	return r.Store.UpdateRun(ctx, run)
}
