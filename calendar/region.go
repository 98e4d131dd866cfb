package calendar

import (
	"sort"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/us"
)

// Region is a set of working days a calendar may follow: a weekend and
// public holidays.
type Region struct {
	// Code is what Calendar.Region holds, e.g. "FR" or "DE-BY".
	Code string `json:"code"`
	// Name is the region's name, e.g. "France" or "Germany, Bavaria".
	Name string `json:"name"`
	// Holidays says whose holidays are observed, in a sentence: "French
	// public holidays".
	Holidays string `json:"holidays"`
	// Note says what the region does not cover, if anything.
	Note string `json:"note,omitempty"`

	weekend  func(year int) [7]bool
	holidays []*cal.Holiday
}

// satSun is the weekend of most regions.
func satSun(int) [7]bool { return [7]bool{time.Sunday: true, time.Saturday: true} }

// lunarNote says what AE and SA leave to closure lists.
const lunarNote = "Holidays of the Hijri calendar (Eid al-Fitr, Arafat Day, Eid al-Adha, Hijri New Year, the Prophet's Birthday) are announced shortly before they fall: add them to a closure list once announced."

// fixed is a holiday on the same date each year, from year `since` on.
func fixed(name string, m time.Month, day, since int) *cal.Holiday {
	return &cal.Holiday{Name: name, Type: cal.ObservancePublic, Month: m, Day: day, StartYear: since, Func: cal.CalcDayOfMonth}
}

// regions are the regions a calendar may name. Holidays come from
// github.com/rickar/cal/v2, except those of AE and SA, whose fixed-date
// holidays are listed here.
var regions = []*Region{
	{Code: "AE", Name: "United Arab Emirates", Holidays: "UAE public holidays (fixed dates)", Note: lunarNote,
		// Friday–Saturday until 2021, Saturday–Sunday since 1 January 2022.
		weekend: func(year int) [7]bool {
			if year < 2022 {
				return [7]bool{time.Friday: true, time.Saturday: true}
			}
			return satSun(year)
		},
		holidays: []*cal.Holiday{
			fixed("New Year's Day", time.January, 1, 0),
			fixed("Commemoration Day", time.December, 1, 2019),
			fixed("National Day", time.December, 2, 0),
			fixed("National Day holiday", time.December, 3, 0),
		}},
	{Code: "AT", Name: "Austria", Holidays: "Austrian public holidays", weekend: satSun, holidays: at.Holidays},
	{Code: "AU-NSW", Name: "Australia, New South Wales", Holidays: "New South Wales public holidays", weekend: satSun, holidays: au.HolidaysNSW},
	{Code: "AU-QLD", Name: "Australia, Queensland", Holidays: "Queensland public holidays", weekend: satSun, holidays: au.HolidaysQLD},
	{Code: "AU-VIC", Name: "Australia, Victoria", Holidays: "Victorian public holidays", weekend: satSun, holidays: au.HolidaysVIC},
	{Code: "BE", Name: "Belgium", Holidays: "Belgian public holidays", weekend: satSun, holidays: be.Holidays},
	{Code: "CA", Name: "Canada", Holidays: "Canadian federal holidays", weekend: satSun, holidays: ca.Holidays},
	{Code: "DE", Name: "Germany", Holidays: "German national holidays", weekend: satSun, holidays: de.Holidays},
	{Code: "DE-BE", Name: "Germany, Berlin", Holidays: "Berlin public holidays", weekend: satSun, holidays: de.HolidaysBE},
	{Code: "DE-BW", Name: "Germany, Baden-Württemberg", Holidays: "Baden-Württemberg public holidays", weekend: satSun, holidays: de.HolidaysBW},
	{Code: "DE-BY", Name: "Germany, Bavaria", Holidays: "Bavarian public holidays", weekend: satSun, holidays: de.HolidaysBY},
	{Code: "DE-HE", Name: "Germany, Hesse", Holidays: "Hessian public holidays", weekend: satSun, holidays: de.HolidaysHE},
	{Code: "DE-NW", Name: "Germany, North Rhine-Westphalia", Holidays: "North Rhine-Westphalia public holidays", weekend: satSun, holidays: de.HolidaysNW},
	{Code: "ES", Name: "Spain", Holidays: "Spanish national holidays", weekend: satSun, holidays: es.Holidays},
	{Code: "FR", Name: "France", Holidays: "French public holidays", weekend: satSun, holidays: fr.Holidays},
	{Code: "GB-ENG", Name: "United Kingdom, England", Holidays: "English bank holidays", weekend: satSun, holidays: gb.Holidays},
	{Code: "GB-WLS", Name: "United Kingdom, Wales", Holidays: "Welsh bank holidays", weekend: satSun, holidays: gb.Holidays},
	{Code: "IE", Name: "Ireland", Holidays: "Irish public holidays", weekend: satSun, holidays: ie.Holidays},
	{Code: "IT", Name: "Italy", Holidays: "Italian public holidays", weekend: satSun, holidays: it.Holidays},
	{Code: "NL", Name: "Netherlands", Holidays: "Dutch public holidays", weekend: satSun, holidays: nl.Holidays},
	{Code: "SA", Name: "Saudi Arabia", Holidays: "Saudi public holidays (fixed dates)", Note: lunarNote,
		weekend: func(int) [7]bool { return [7]bool{time.Friday: true, time.Saturday: true} },
		holidays: []*cal.Holiday{
			fixed("Founding Day", time.February, 22, 2022),
			fixed("National Day", time.September, 23, 0),
		}},
	{Code: "US", Name: "United States", Holidays: "US federal holidays", weekend: satSun, holidays: us.Holidays},
}

// Regions returns the regions a calendar may name, by code.
func Regions() []Region {
	out := make([]Region, len(regions))
	for i, r := range regions {
		out[i] = *r
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// findRegion returns the region of a code, in any case.
func findRegion(code string) (*Region, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, r := range regions {
		if r.Code == code {
			return r, true
		}
	}
	return nil, false
}

// regionCodes lists the codes, for error messages.
func regionCodes() string {
	codes := make([]string, len(regions))
	for i, r := range regions {
		codes[i] = r.Code
	}
	return strings.Join(codes, ", ")
}

// checkRegion refuses a region code that is not known.
func checkRegion(code string) (*Region, error) {
	if code == "" {
		return nil, nil
	}
	if len(code) > 20 {
		return nil, facteur.Errorf(facteur.EINVALID, "calendar.region: use a region code such as FR or DE-BY")
	}
	r, ok := findRegion(code)
	if !ok {
		return nil, facteur.Errorf(facteur.EINVALID, "calendar.region: unknown region %q; use one of %s", code, regionCodes())
	}
	return r, nil
}
