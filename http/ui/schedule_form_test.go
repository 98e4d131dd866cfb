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
		sc := scheduleFromForm(url.Values{"format": {tt.format}, "xlsx_dates": {tt.posted}, "frequency": {"daily"}})
		if sc.Format.XLSXDates != tt.want {
			t.Errorf("%s with %q: xlsx_dates %q, want %q", tt.format, tt.posted, sc.Format.XLSXDates, tt.want)
		}
		if err := sc.Format.Validate(); err != nil {
			t.Errorf("%s with %q: %v", tt.format, tt.posted, err)
		}
	}
}
