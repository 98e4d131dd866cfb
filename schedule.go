package facteur

import (
	"time"
)

// Calendar frequencies.
const (
	Daily   = "daily"
	Weekly  = "weekly"
	Monthly = "monthly"
	Cron    = "cron"
	// Workdays runs on every working day (E9).
	Workdays = "workdays"
	// Workday runs on the Nth working day of each month or quarter (E9).
	Workday = "workday"
)

// What a slot that falls on a non-working day does (Calendar.OnClosed).
const (
	OnClosedRun      = "run"      // runs anyway (the default)
	OnClosedSkip     = "skip"     // does not run
	OnClosedNext     = "next"     // runs on the next working day
	OnClosedPrevious = "previous" // runs on the previous working day
)

// Periods of a "workday" calendar.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
)

// Calendar says when a schedule runs, in the terms people use (E1–E5).
// Package calendar computes its run times.
type Calendar struct {
	// Frequency is "daily", "weekly", "monthly", "cron", "workdays" or
	// "workday".
	Frequency string `json:"frequency"`
	// Days restricts a daily calendar to some days of the week ("mon" …
	// "sun"); "weekdays" stands for mon–fri. Empty means every day.
	Days []string `json:"days,omitempty"`
	// Weekday is the day of a weekly calendar, "mon" … "sun".
	Weekday string `json:"weekday,omitempty"`
	// Months restricts a monthly calendar to some months, 1–12. Empty means
	// every month.
	Months []int `json:"months,omitempty"`
	// DayOfMonth is the day of a monthly calendar: 1–31, or -1 for the last
	// day. In a month shorter than the day, the run is on its last day.
	DayOfMonth int `json:"day_of_month,omitempty"`
	// At is the local time of day, "HH:MM" (24-hour). Default "00:00".
	At string `json:"at,omitempty"`
	// TimeZone is an IANA zone name such as "Europe/Paris". Default "UTC".
	TimeZone string `json:"time_zone,omitempty"`
	// Cron is a five-field cron expression, read in TimeZone, for a "cron"
	// calendar.
	Cron string `json:"cron,omitempty"`

	// Region names the working days the calendar follows: a region's
	// weekend days and public holidays, e.g. "FR" or "DE-BY" (see package
	// calendar's Regions). Empty: Saturday and Sunday are the weekend and
	// no public holiday is observed.
	Region string `json:"region,omitempty"`
	// Closures names the organisation's closure lists the calendar
	// observes: their days are not working days.
	Closures []string `json:"closures,omitempty"`
	// OnClosed says what a daily, weekly, monthly or cron slot that falls on
	// a non-working day does: "run" (or empty), "skip", "next" or
	// "previous".
	OnClosed string `json:"on_closed,omitempty"`
	// Workday is the working day of a "workday" calendar: 1 for the first
	// of the period, 2 for the second, …, -1 for the last, -2 for the one
	// before it.
	Workday int `json:"workday,omitempty"`
	// Period is the period a "workday" calendar counts in: "month" (or
	// empty) or "quarter".
	Period string `json:"period,omitempty"`

	// ClosureLists holds the closure lists that Closures names, read from
	// the store with the schedule; never sent or stored with it.
	ClosureLists []ClosureList `json:"-"`
}

// Catch-up policies for slots missed while Facteur was down (E7).
const (
	CatchUpOnce = "once" // run once for the missed slots (default)
	CatchUpSkip = "skip" // skip them and wait for the next slot
)

// The names of the formats Facteur ships with (B1–B3), for the code that
// picks one; what each is comes from package format's registry.
const (
	FormatCSV    = "csv"
	FormatCSVZip = "csv.zip"
	FormatJSON   = "json"
	FormatNDJSON = "ndjson"
	FormatXLSX   = "xlsx"
	FormatPNG    = "png"
	FormatPDF    = "pdf"
)

// Compressions of a whole file (C1).
const (
	CompressGzip = "gzip"
	CompressZstd = "zstd"
)

// How an XLSX file holds dates, date-times and timestamps.
const (
	XLSXDatesCells = "cells" // date cells in the export's time zone (the default)
	XLSXDatesText  = "text"  // text cells holding the ISO 8601 text, as in CSV
)

// Codecs that compress the columns inside a Parquet file.
const (
	CodecZstd   = "zstd"   // the default: smaller files
	CodecSnappy = "snappy" // faster, larger; read by every Parquet reader
)

// MaxRowLimit bounds FormatOptions.RowLimit: formats for people stop
// being readable long before it.
const MaxRowLimit = 1_000_000

// FormatOptions says how rows become a file.
type FormatOptions struct {
	// Format is the name of a registered format (see package format).
	Format string `json:"format"`
	// NoHeader leaves out the CSV header line.
	NoHeader bool `json:"no_header,omitempty"`
	// Delimiter of CSV fields: one character, default ",".
	Delimiter string `json:"delimiter,omitempty"`
	// BOM starts a CSV file with a UTF-8 byte order mark, for Excel and Power BI.
	BOM bool `json:"bom,omitempty"`
	// Compression compresses the whole file (C1): "gzip" (.gz) or "zstd"
	// (.zst); "" for none. Not for csv.zip and xlsx, which are zip files.
	Compression string `json:"compression,omitempty"`
	// XLSXDates says how an xlsx file holds dates and timestamps:
	// "cells" (or empty, the default) for date cells a spreadsheet can
	// filter and compute with, "text" for their ISO 8601 text.
	XLSXDates string `json:"xlsx_dates,omitempty"`
	// RowLimit is the most rows a format made for reading on a page or
	// screen takes (PDF, plain text); 0 means the format's own default.
	// What happens past it is the format's to say (README, Formats).
	RowLimit int64 `json:"row_limit,omitempty"`
	// Codec compresses the columns inside a Parquet file: "zstd" (or
	// empty, the default) or "snappy".
	Codec string `json:"codec,omitempty"`
	// Neutralize prefixes CSV and XLSX text cells that a spreadsheet would
	// run as a formula with an apostrophe. Set from the destination (see
	// Destination.RawCells), not by users.
	Neutralize bool `json:"-"`
	// TimeZone is the export's time zone (an IANA name, "" for UTC), in
	// which XLSX date cells show instants. Set from the schedule's
	// calendar, not by users.
	TimeZone string `json:"-"`
}

// DefaultFileName is the file name template of a schedule that sets none.
const DefaultFileName = "{export_name}_{year}{month}{day}_{hour}{minute}.{ext}"

// Schedule sends one report to one destination on a calendar.
type Schedule struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	ReportID      int64  `json:"report_id"`
	DestinationID int64  `json:"destination_id"`
	// OwnerID is the account the schedule runs as (G4): its rights are
	// checked again at every run.
	OwnerID int64         `json:"owner_id"`
	Format  FormatOptions `json:"format"`
	// FileName is a template of the delivered file's name (C3); see
	// package export for the variables.
	FileName string   `json:"file_name"`
	Calendar Calendar `json:"calendar"`
	// CatchUp is "once" (default) or "skip".
	CatchUp string `json:"catch_up"`
	// IncludeFields names the sensitive or extra fields this schedule opts in to.
	IncludeFields []string `json:"include_fields,omitempty"`
	// Obfuscate says, per field, how its values are delivered instead of
	// in clear (A4): hashed, keyed-hashed, masked or nulled. An obfuscated
	// field needs no opt-in.
	Obfuscate []FieldRule `json:"obfuscate,omitempty"`
	// HMACKey is the schedule's own key for the "hmac" rules; "" uses the
	// installation's key. It is write-only: never in JSON (HMACKeySet says
	// whether there is one), stored encrypted like every credential.
	HMACKey string `json:"-"`
	// HMACKeySet reports whether the schedule has a key of its own.
	HMACKeySet bool `json:"hmac_key_set"`
	// Params are the values of its report's parameters; a parameter left
	// out takes its default.
	Params ParamValues `json:"params,omitempty"`
	// Options are the schedule's delivery options.
	Options ScheduleOptions `json:"options"`
	// Bundle, when not nil, makes the schedule a dashboard (A6): further
	// reports delivered with ReportID's, packaged together.
	Bundle *Bundle `json:"bundle,omitempty"`
	// Enabled schedules run on their calendar; disabled ones only on demand.
	Enabled bool `json:"enabled"`
	// NextRunAt is the next slot of the calendar, nil when disabled.
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// ScheduleOptions are a schedule's delivery options.
type ScheduleOptions struct {
	// Confirmation writes a small manifest next to the file once it is in
	// place (C4): file name, rows, bytes, SHA-256, run id.
	Confirmation bool `json:"confirmation,omitempty"`
	// ConfirmationFile says how the confirmation file is named and in
	// which form; nil is JSON, named after the file. Read only with
	// Confirmation.
	ConfirmationFile *ConfirmationFile `json:"confirmation_file,omitempty"`
	// AlertEmails are the addresses told, besides the owner, when a run
	// fails for good (F3): Facteur accounts, or addresses in a domain the
	// policy approves (Policy.CheckAlertEmails). At most MaxAlertEmails.
	AlertEmails []string `json:"alert_emails,omitempty"`
	// AlertGroups are recipient groups told like AlertEmails, their
	// members read when the alert is sent. At most MaxGroupRefs.
	AlertGroups []int64 `json:"alert_groups,omitempty"`
	// Limits lower the server's run limits for this schedule's runs; zero
	// keeps the server's. A limit above the server's is refused at save.
	Limits RunLimits `json:"limits,omitzero"`
	// NoOwnerAlert stops mailing the schedule's owner its failures, which
	// it does by default.
	NoOwnerAlert bool `json:"no_owner_alert,omitempty"`
	// SendIf is the condition of a delivery (E8): "always" (or empty, the
	// default), "rows" (only when the export has rows) or "changed" (only
	// when its content differs from the last successful delivery of this
	// schedule). A run held back is recorded as skipped.
	SendIf string `json:"send_if,omitempty"`
	// ExpectWithinMinutes is the dead-man's switch: when no run of a slot
	// has delivered within this many minutes of it, the owner and the
	// alert addresses are told once (see package queue). 0 is no check;
	// otherwise MinExpectWithin to MaxExpectWithin.
	ExpectWithinMinutes int `json:"expect_within_minutes,omitempty"`
	// AlertOnSkip counts a skipped run (SendIf) as nothing delivered for
	// the expected window. By default a skip is what the schedule asked
	// for and satisfies the window.
	AlertOnSkip bool `json:"alert_on_skip,omitempty"`
	// Incremental, when set, sends only the rows created or updated since
	// the last successful delivery (A5); its report needs a created or
	// updated column.
	Incremental *Incremental `json:"incremental,omitempty"`
}

// Bounds of ScheduleOptions.ExpectWithinMinutes, in minutes.
const (
	MinExpectWithin = 5
	MaxExpectWithin = 7 * 24 * 60
)

// Validate checks the fields that need no other object; it says which one
// is wrong. It does not check the calendar (see package calendar).
func (s *Schedule) Validate() error {
	if err := CheckName("schedule", s.Name); err != nil {
		return err
	}
	switch {
	case len(s.FileName) > MaxFileNameTemplate:
		return Errorf(EINVALID, "file_name: at most %d bytes; the name it makes is cut to 255 bytes anyway", MaxFileNameTemplate)
	case len(s.Options.AlertEmails) > MaxAlertEmails:
		return Errorf(EINVALID, "options.alert_emails: at most %d addresses; use a mailing list for more", MaxAlertEmails)
	case len(s.IncludeFields) > MaxFields:
		return Errorf(EINVALID, "include_fields: at most %d fields", MaxFields)
	case len(s.Params) > MaxParams:
		return Errorf(EINVALID, "params: at most %d values", MaxParams)
	case s.ReportID == 0:
		return Errorf(EINVALID, "report_id: choose the report to send")
	case s.DestinationID == 0:
		return Errorf(EINVALID, "destination_id: choose where to deliver")
	case s.CatchUp != "" && s.CatchUp != CatchUpOnce && s.CatchUp != CatchUpSkip:
		return Errorf(EINVALID, "catch_up: use %q or %q", CatchUpOnce, CatchUpSkip)
	}
	switch o := s.Options; {
	case o.SendIf != "" && o.SendIf != SendAlways && o.SendIf != SendIfRows && o.SendIf != SendIfNewer:
		return Errorf(EINVALID, "options.send_if: use %q, %q (only when there are rows) or %q (only when the data changed)", SendAlways, SendIfRows, SendIfNewer)
	case o.ExpectWithinMinutes != 0 && (o.ExpectWithinMinutes < MinExpectWithin || o.ExpectWithinMinutes > MaxExpectWithin):
		return Errorf(EINVALID, "options.expect_within_minutes: use %d to %d minutes (7 days), or 0 for no check", MinExpectWithin, MaxExpectWithin)
	}
	if err := CheckGroupRefs("options.alert_groups", s.Options.AlertGroups); err != nil {
		return err
	}
	if s.Bundle != nil {
		if err := s.Bundle.validate(s.ReportID, s.Format.Format); err != nil {
			return err
		}
		if s.Options.Incremental != nil {
			// A window is kept to one report's created/updated column.
			return Errorf(EINVALID, "options.incremental: a dashboard is not delivered incrementally; remove the further reports (bundle) or turn incremental delivery off")
		}
	}
	if c := s.Options.ConfirmationFile; c != nil {
		if err := c.validate(); err != nil {
			return err
		}
	}
	if err := s.Options.Limits.validate("options.limits."); err != nil {
		return err
	}
	if in := s.Options.Incremental; in != nil {
		if err := in.Validate("options.incremental."); err != nil {
			return err
		}
	}
	for i, a := range s.Options.AlertEmails {
		if len(a) > MaxEmailLen {
			return Errorf(EINVALID, "options.alert_emails[%d]: at most %d characters (this one has %d)", i, MaxEmailLen, len(a))
		}
	}
	if err := ValidateFieldRules("obfuscate", s.Obfuscate); err != nil {
		return err
	}
	if s.HMACKey != "" {
		if err := CheckHMACKey("hmac_key", s.HMACKey); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(s.IncludeFields))
	for i, f := range s.IncludeFields {
		if seen[f] {
			return Errorf(EINVALID, "include_fields[%d]: %q is listed twice", i, shorten(f, MaxNameLen))
		}
		seen[f] = true
	}
	return s.Format.Validate()
}

// Validate checks the values of the options that do not depend on the
// format: the compression, how xlsx dates are held, the row limit and the
// Parquet codec. Which format exists
// and which options it reads is checked by the program's registry of
// formats (format.Registry.Validate), which calls this method.
func (f FormatOptions) Validate() error {
	switch {
	case len(f.Format) > MaxNameLen:
		return Errorf(EINVALID, "format.format: at most %d characters", MaxNameLen)
	case f.Compression != "" && f.Compression != CompressGzip && f.Compression != CompressZstd:
		return Errorf(EINVALID, "format.compression: use gzip or zstd, or leave it empty")
	case f.XLSXDates != "" && f.XLSXDates != XLSXDatesCells && f.XLSXDates != XLSXDatesText:
		return Errorf(EINVALID, "format.xlsx_dates: use %q (date cells) or %q (ISO text), or leave it empty", XLSXDatesCells, XLSXDatesText)
	case f.RowLimit < 0 || f.RowLimit > MaxRowLimit:
		return Errorf(EINVALID, "format.row_limit: use a number of rows from 1 to %d, or 0 for the format's default", MaxRowLimit)
	case f.Codec != "" && f.Codec != CodecZstd && f.Codec != CodecSnappy:
		return Errorf(EINVALID, "format.codec: use %q or %q, or leave it empty", CodecZstd, CodecSnappy)
	}
	return nil
}

// SetDefaults fills the fields a user may leave empty.
func (s *Schedule) SetDefaults() {
	if s.FileName == "" {
		s.FileName = DefaultFileName
	}
	if s.CatchUp == "" {
		s.CatchUp = CatchUpOnce
	}
	if s.Format.Format == "" {
		s.Format.Format = FormatCSV
	}
}

// Forms of a confirmation file.
const (
	ConfirmJSON = "json" // a JSON document (the default)
	ConfirmText = "text" // one line of text
)

// ConfirmationFile says how a schedule's confirmation file (C4) is named
// and in which form.
type ConfirmationFile struct {
	// Name is a file name template (the variables of FileName, and
	// {file}, the delivered file's name); "" is "{file}.manifest.json",
	// or "{file}.manifest.txt" for the text form.
	Name string `json:"name,omitempty"`
	// Format is "json" (or empty) or "text".
	Format string `json:"format,omitempty"`
}

func (c *ConfirmationFile) validate() error {
	switch {
	case len(c.Name) > MaxFileNameTemplate:
		return Errorf(EINVALID, "options.confirmation_file.name: at most %d bytes", MaxFileNameTemplate)
	case c.Format != "" && c.Format != ConfirmJSON && c.Format != ConfirmText:
		return Errorf(EINVALID, "options.confirmation_file.format: use %q or %q", ConfirmJSON, ConfirmText)
	}
	return nil
}
