package facteur

import (
	"fmt"
	"strings"
)

// Packagings of a bundle (A6): how the files of a schedule's reports are
// delivered together.
const (
	// PackZip delivers one zip file holding a file per report (ZIP64 past
	// 4 GiB).
	PackZip = "zip"
	// PackFiles delivers each report's file on its own; the file name
	// template tells them apart with {export_name}.
	PackFiles = "files"
	// PackXLSX delivers one XLSX workbook with a sheet per report (the
	// schedule's format must be xlsx).
	PackXLSX = "xlsx"
)

// Packagings are every packaging of a bundle, in the order the form shows them.
var Packagings = []string{PackZip, PackFiles, PackXLSX}

// MaxBundleReports bounds the reports of one bundle, the schedule's first
// report included.
const MaxBundleReports = 50

// Bundle makes a schedule a dashboard (A6): the schedule's own report
// (Schedule.ReportID, with its fields, rules and parameters) comes first,
// then Reports, each with fields, rules and parameters of its own, all
// delivered together as Packaging says.
type Bundle struct {
	// Packaging is "zip", "files" or "xlsx".
	Packaging string `json:"packaging"`
	// Reports are the reports after the schedule's own, in order.
	Reports []BundleReport `json:"reports"`
}

// BundleReport is one report of a bundle after the schedule's own, with
// what the schedule says of it as it would say of its own report.
type BundleReport struct {
	ReportID int64 `json:"report_id"`
	// IncludeFields names the sensitive or extra fields it opts in to.
	IncludeFields []string `json:"include_fields,omitempty"`
	// Obfuscate are its fields' obfuscation rules (A4).
	Obfuscate []FieldRule `json:"obfuscate,omitempty"`
	// Params are the values of its report's parameters.
	Params ParamValues `json:"params,omitempty"`
}

// Parts returns every report a run of s exports, in the order they are
// delivered: the schedule's own first, then its bundle's.
func (s Schedule) Parts() []BundleReport {
	parts := []BundleReport{{ReportID: s.ReportID, IncludeFields: s.IncludeFields, Obfuscate: s.Obfuscate, Params: s.Params}}
	if s.Bundle != nil {
		parts = append(parts, s.Bundle.Reports...)
	}
	return parts
}

// IsBundle reports whether s delivers several reports (a dashboard).
func (s Schedule) IsBundle() bool { return s.Bundle != nil }

// Packaging returns how a run of s delivers its files: "" for a single
// report, else its bundle's packaging.
func (s Schedule) Packaging() string {
	if s.Bundle == nil {
		return ""
	}
	return s.Bundle.Packaging
}

// validate checks the bundle's own fields: the packaging, the number of
// reports and each report's lists; first is the schedule's own report.
func (b *Bundle) validate(first int64, format string) error {
	known := false
	for _, p := range Packagings {
		known = known || b.Packaging == p
	}
	if !known {
		return Errorf(EINVALID, "bundle.packaging: use %s", strings.Join(quoteAll(Packagings), ", "))
	}
	if b.Packaging == PackXLSX && format != FormatXLSX {
		return Errorf(EINVALID, "bundle.packaging: a workbook with a sheet per report needs the xlsx format (format.format is %q); choose xlsx, or a zip", shorten(format, MaxNameLen))
	}
	switch {
	case len(b.Reports) == 0:
		return Errorf(EINVALID, "bundle.reports: add at least one report besides report_id, or send no bundle for a single report")
	case len(b.Reports)+1 > MaxBundleReports:
		return Errorf(EINVALID, "bundle.reports: at most %d reports in a bundle, report_id included (this one has %d)", MaxBundleReports, len(b.Reports)+1)
	}
	seen := map[int64]bool{first: true}
	for i, p := range b.Reports {
		at := func(f string) string { return fmt.Sprintf("bundle.reports[%d].%s", i, f) }
		switch {
		case p.ReportID <= 0:
			return Errorf(EINVALID, "%s: choose a report", at("report_id"))
		case seen[p.ReportID]:
			return Errorf(EINVALID, "%s: report %d is already in the bundle; a report is sent once", at("report_id"), p.ReportID)
		case len(p.IncludeFields) > MaxFields:
			return Errorf(EINVALID, "%s: at most %d fields", at("include_fields"), MaxFields)
		case len(p.Params) > MaxParams:
			return Errorf(EINVALID, "%s: at most %d values", at("params"), MaxParams)
		}
		seen[p.ReportID] = true
		if err := ValidateFieldRules(at("obfuscate"), p.Obfuscate); err != nil {
			return err
		}
		fields := make(map[string]bool, len(p.IncludeFields))
		for j, f := range p.IncludeFields {
			if fields[f] {
				return Errorf(EINVALID, "%s[%d]: %q is listed twice", at("include_fields"), j, shorten(f, MaxNameLen))
			}
			fields[f] = true
		}
	}
	return nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = `"` + v + `"`
	}
	return out
}
