package facteur

import "unicode/utf8"

// Bounds of the schedules list's search and pages.
const (
	// MaxScheduleSearch is the longest search text, in characters: longer
	// than any name (MaxNameLen) is no use, and the text goes into a
	// LIKE pattern that every schedule is matched against.
	MaxScheduleSearch = 200
	// MaxSchedulesPage is the largest page of schedules one call returns.
	MaxSchedulesPage = 500
)

// ScheduleFilter selects a page of the schedules list.
type ScheduleFilter struct {
	// Search keeps the schedules whose name, report's name or
	// destination's name contains it, letter case aside; "" keeps all.
	// Its %, _ and \ are taken as they are. The calendar's description is
	// not searched: it is words computed from the calendar, not stored.
	Search string
	// Kind keeps the schedules to a destination of that kind; "" any.
	Kind string
	// VisibleTo, when not 0, keeps the schedules this account owns and,
	// of the others, only those to a destination whose kind is in
	// SharedKinds: schedules to file storage (SFTP, S3, webhook) are seen
	// by their owner alone (G3), as in RunFilter.
	VisibleTo int64
	// SharedKinds are the destination kinds whose schedules every account
	// sees, from the kinds' registrations; only read with VisibleTo.
	SharedKinds []string
	// Limit is the size of the page, at most MaxSchedulesPage; 0 returns
	// every schedule selected.
	Limit int
	// Offset is how many of the selected schedules come before the page;
	// read only with a Limit.
	Offset int
}

// Validate checks the bounds of f; it fails with EINVALID naming the
// field.
func (f ScheduleFilter) Validate() error {
	if f.Limit < 0 || f.Limit > MaxSchedulesPage {
		return Errorf(EINVALID, "limit: from 0 (all) to %d, not %d", MaxSchedulesPage, f.Limit)
	}
	if f.Offset < 0 {
		return Errorf(EINVALID, "offset: 0 or more, not %d", f.Offset)
	}
	if n := utf8.RuneCountInString(f.Search); n > MaxScheduleSearch {
		return Errorf(EINVALID, "search: at most %d characters, not %d", MaxScheduleSearch, n)
	}
	return nil
}
