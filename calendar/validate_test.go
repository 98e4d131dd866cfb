package calendar

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	for _, c := range []facteur.Calendar{
		daily("", ""),
		daily("23:59", "Europe/Paris", "weekdays", "sat"),
		daily("00:00", "UTC", "Weekends", " mon "),
		weekly("fri", "18:30", "Australia/Lord_Howe"),
		monthly(-1, "06:00", "America/Santiago", 1, 12),
		monthly(31, "", "Asia/Kolkata"),
		cron("*/15 * * * *", "Europe/Paris"),
		cron("0 6 * * mon-fri", ""),
		cron("0 0 L * *", ""),
		cron("0 0 29 2 *", ""), // runs in leap years only
		cron("@daily", ""),
		cron("@hourly", ""),
	} {
		if err := Validate(c); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", c, err)
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cal  facteur.Calendar
		want string
	}{
		{"no frequency", facteur.Calendar{}, "calendar.frequency: use daily, weekly, monthly, cron, workdays (every working day) or workday (the Nth working day of the month or quarter)"},
		{"unknown frequency", facteur.Calendar{Frequency: "hourly"}, "calendar.frequency: use daily, weekly, monthly, cron, workdays (every working day) or workday (the Nth working day of the month or quarter)"},
		{"frequency in capitals", facteur.Calendar{Frequency: "Daily"}, "calendar.frequency: use daily, weekly, monthly, cron, workdays (every working day) or workday (the Nth working day of the month or quarter)"},
		{"unknown zone", daily("06:00", "Europe/Pari"), `calendar.time_zone: unknown time zone "Europe/Pari"; use an IANA name such as Europe/Paris`},
		{"server local zone", daily("06:00", "Local"), `calendar.time_zone: unknown time zone "Local"; use an IANA name such as Europe/Paris`},
		{"offset is not a zone", daily("06:00", "+02:00"), `calendar.time_zone: unknown time zone "+02:00"; use an IANA name such as Europe/Paris`},
		{"dot in the path", daily("06:00", "Europe/./Paris"), `calendar.time_zone: unknown time zone "Europe/./Paris"; use an IANA name such as Europe/Paris`},
		{"absolute path", daily("06:00", "/Europe/Paris"), `calendar.time_zone: unknown time zone "/Europe/Paris"; use an IANA name such as Europe/Paris`},
		{"long name", daily("06:00", strings.Repeat("A/", 40)+"UTC"), `calendar.time_zone: unknown time zone "` + strings.Repeat("A/", 32) + `…"; use an IANA name such as Europe/Paris`},
		{"hour 24", daily("24:00", ""), "calendar.at: use HH:MM, 24-hour, e.g. 06:00"},
		{"minute 60", daily("06:60", ""), "calendar.at: use HH:MM, 24-hour, e.g. 06:00"},
		{"one-digit hour", daily("6:00", ""), "calendar.at: use HH:MM, 24-hour, e.g. 06:00"},
		{"am/pm", daily("06:00pm", ""), "calendar.at: use HH:MM, 24-hour, e.g. 06:00"},
		{"seconds", daily("06:00:00", ""), "calendar.at: use HH:MM, 24-hour, e.g. 06:00"},
		{"unknown day", daily("06:00", "", "mon", "mo"), `calendar.days: unknown day "mo"; use mon, tue, wed, thu, fri, sat, sun, weekdays or weekends`},
		{"full day name", daily("06:00", "", "monday"), `calendar.days: unknown day "monday"; use mon, tue, wed, thu, fri, sat, sun, weekdays or weekends`},
		{"weekly without a day", weekly("", "08:00", ""), "calendar.weekday: choose a day: mon, tue, wed, thu, fri, sat or sun"},
		{"weekly weekdays", weekly("weekdays", "08:00", ""), `calendar.weekday: unknown day "weekdays"; use mon, tue, wed, thu, fri, sat or sun`},
		{"monthly without a day", monthly(0, "", ""), "calendar.day_of_month: choose a day of the month, 1 to 31, or -1 for the last day"},
		{"day 32", monthly(32, "", ""), "calendar.day_of_month: use 1 to 31, or -1 for the last day (got 32)"},
		{"day -2", monthly(-2, "", ""), "calendar.day_of_month: use 1 to 31, or -1 for the last day (got -2)"},
		{"month 13", monthly(1, "", "", 1, 13), "calendar.months: use month numbers 1 to 12 (got 13)"},
		{"month 0", monthly(1, "", "", 0), "calendar.months: use month numbers 1 to 12 (got 0)"},
		{"days on a weekly calendar", facteur.Calendar{Frequency: "weekly", Weekday: "mon", Days: []string{"tue"}}, "calendar.days: only a daily calendar takes days; leave it empty for a weekly one"},
		{"weekday on a daily calendar", facteur.Calendar{Frequency: "daily", Weekday: "mon"}, "calendar.weekday: only a weekly calendar takes a weekday; leave it empty for a daily one"},
		{"months on a daily calendar", facteur.Calendar{Frequency: "daily", Months: []int{1}}, "calendar.months: only a monthly calendar takes months; leave it empty for a daily one"},
		{"day of month on a weekly calendar", facteur.Calendar{Frequency: "weekly", Weekday: "mon", DayOfMonth: 1}, "calendar.day_of_month: only a monthly calendar takes a day of the month; leave it empty for a weekly one"},
		{"cron on a monthly calendar", facteur.Calendar{Frequency: "monthly", DayOfMonth: 1, Cron: "* * * * *"}, "calendar.cron: only a cron calendar takes a cron expression; leave it empty for a monthly one"},
		{"at on a cron calendar", facteur.Calendar{Frequency: "cron", Cron: "* * * * *", At: "06:00"}, "calendar.at: a cron calendar takes its times from the expression; leave at empty"},
		{"empty cron", cron("", ""), `calendar.cron: give a cron expression of five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron with seconds", cron("0 */5 * * * *", ""), `calendar.cron: "0 */5 * * * *" has 6 fields: seconds and years are not supported; use five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron with a year", cron("0 0 1 1 * 2030", ""), `calendar.cron: "0 0 1 1 * 2030" has 6 fields: seconds and years are not supported; use five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron with 4 fields", cron("0 0 1 1", ""), `calendar.cron: "0 0 1 1" has 4 fields; use five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron with 7 fields", cron("0 0 0 1 1 * 2030", ""), `calendar.cron: "0 0 0 1 1 * 2030" has 7 fields; use five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron every second", cron("@everysecond", ""), `calendar.cron: unknown shorthand "@everysecond"; use @hourly, @daily, @weekly, @monthly or @yearly, or five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron unknown shorthand", cron("@fortnightly", ""), `calendar.cron: unknown shorthand "@fortnightly"; use @hourly, @daily, @weekly, @monthly or @yearly, or five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5"`},
		{"cron minute 60", cron("60 * * * *", ""), `calendar.cron: the minute field "60" is not valid; use 0-59, e.g. 0, */15 or 0,30`},
		{"cron hour 24 in a list", cron("0 1,24 * * *", ""), `calendar.cron: the hour field "1,24" is not valid; use 0-23, e.g. 6 or 8-18`},
		{"cron day 0", cron("0 0 0 * *", ""), `calendar.cron: the day-of-month field "0" is not valid; use 1-31, L for the last day or 15W for the nearest weekday`},
		{"cron month name typo", cron("0 0 1 janu *", ""), `calendar.cron: the month field "janu" is not valid; use 1-12 or jan-dec`},
		{"cron day of week 8", cron("0 0 * * 8", ""), `calendar.cron: the day-of-week field "8" is not valid; use 0-7 (0 and 7 are Sunday) or sun-sat, e.g. 1-5`},
		{"cron step 0", cron("*/0 * * * *", ""), `calendar.cron: the minute field "*/0" is not valid; use 0-59, e.g. 0, */15 or 0,30`},
		{"cron reversed range", cron("0 18-8 * * *", ""), `calendar.cron: the hour field "18-8" is not valid; use 0-23, e.g. 6 or 8-18`},
		{"cron empty list item", cron("0,,30 * * * *", ""), `calendar.cron: the minute field "0,,30" is not valid; use 0-59, e.g. 0, */15 or 0,30`},
		{"cron never runs", cron("0 0 30 2 *", ""), `calendar.cron: "0 0 30 2 *" never runs; check the day-of-month and month fields`},
		{"cron never runs in 30-day months", cron("0 0 31 4,6,9,11 *", ""), `calendar.cron: "0 0 31 4,6,9,11 *" never runs; check the day-of-month and month fields`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tt.cal)
			if err == nil {
				t.Fatalf("Validate = nil, want %q", tt.want)
			}
			if code := facteur.ErrorCode(err); code != facteur.EINVALID {
				t.Errorf("code = %q, want %q", code, facteur.EINVALID)
			}
			if got := facteur.ErrorMessage(err); got != tt.want {
				t.Errorf("message:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
