package facteur

import "time"

// ClosureList is a named list of the organisation's closure days (E9), such
// as "Office closures": a calendar that names it does not count its days as
// working days.
type ClosureList struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Days are single dates or ranges of dates.
	Days      []ClosureDays `json:"days"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// ClosureDays is one date or one range of dates of a closure list.
type ClosureDays struct {
	// From is the first day, "YYYY-MM-DD".
	From string `json:"from"`
	// To is the last day of a range, "YYYY-MM-DD"; empty for one day.
	To string `json:"to,omitempty"`
	// Label says why, e.g. "Christmas break"; the preview of next runs
	// shows it.
	Label string `json:"label,omitempty"`
}

// Bounds of closure lists.
const (
	MaxClosureLists    = 100  // lists an organisation keeps
	MaxClosureEntries  = 366  // dates and ranges in one list
	MaxClosureRange    = 366  // days in one range
	MaxClosureNameLen  = 100  // bytes of a list's name
	MaxClosureLabelLen = 100  // bytes of an entry's label
	MinClosureYear     = 1970 // first year of a closure date
	MaxClosureYear     = 2200 // last year of a closure date
	MaxCalendarClosure = 10   // closure lists one calendar names
)
