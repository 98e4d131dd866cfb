package ui

import (
	"net/url"
	"testing"

	"github.com/facteur/facteur"
)

// TestScheduleFormXLSXDates: the form's "Dates and times in xlsx" is saved
// for an xlsx schedule, and left out for other formats, whose form hides it.
func TestScheduleFormXLSXDates(t *testing.T) {
	for _, tt := range []struct{ format, posted, want string }{
		{"xlsx", "text", facteur.XLSXDatesText},
		{"xlsx", "cells", facteur.XLSXDatesCells},
		{"csv", "text", ""},
	} {
		sc := scheduleFromForm(url.Values{"format": {tt.format}, "xlsx_dates": {tt.posted}, "frequency": {"daily"}}, testFormats)
		if sc.Format.XLSXDates != tt.want {
			t.Errorf("%s with %q: xlsx_dates %q, want %q", tt.format, tt.posted, sc.Format.XLSXDates, tt.want)
		}
		if err := sc.Format.Validate(); err != nil {
			t.Errorf("%s with %q: %v", tt.format, tt.posted, err)
		}
	}
}

// testFormats are formats as GET /api/v1/formats lists them.
var testFormats = formatChoices{
	{Name: "csv", Options: []string{"no_header", "delimiter", "bom"}, Compressible: true},
	{Name: "json", Compressible: true},
	{Name: "xlsx", Options: []string{"xlsx_dates"}},
}

// TestScheduleFormKeepsTheFormatsOptions: the form keeps only the options
// the chosen format reads, as the server's list of formats says; the
// controls of the others are hidden but still posted.
func TestScheduleFormKeepsTheFormatsOptions(t *testing.T) {
	posted := url.Values{"delimiter": {";"}, "bom": {"1"}, "compression": {"gzip"}, "xlsx_dates": {"text"}, "frequency": {"daily"}}
	for _, tt := range []struct {
		format string
		want   facteur.FormatOptions
	}{
		{"csv", facteur.FormatOptions{Format: "csv", NoHeader: true, Delimiter: ";", BOM: true, Compression: "gzip"}},
		{"json", facteur.FormatOptions{Format: "json", Compression: "gzip"}},
		{"xlsx", facteur.FormatOptions{Format: "xlsx", XLSXDates: "text"}},
		{"unknown", facteur.FormatOptions{Format: "unknown", NoHeader: true, Delimiter: ";", BOM: true, Compression: "gzip", XLSXDates: "text"}},
	} {
		form := url.Values{"format": {tt.format}}
		for k, v := range posted {
			form[k] = v
		}
		if got := scheduleFromForm(form, testFormats).Format; got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.format, got, tt.want)
		}
	}
}
