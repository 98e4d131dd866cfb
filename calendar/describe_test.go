package calendar

import (
	"testing"

	"github.com/facteur/facteur"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cal  facteur.Calendar
		want string
	}{
		{daily("06:00", "Europe/Paris", "weekdays"), "Weekdays at 06:00, Europe/Paris"},
		{daily("06:00", "Europe/Paris", "fri", "thu", "wed", "tue", "mon"), "Weekdays at 06:00, Europe/Paris"},
		{daily("", ""), "Every day at 00:00, UTC"},
		{daily("09:15", "UTC", "weekdays", "weekends"), "Every day at 09:15, UTC"},
		{daily("10:00", "UTC", "weekends"), "Weekends at 10:00, UTC"},
		{daily("07:30", "America/New_York", "fri", "mon", "wed"), "Mon, Wed and Fri at 07:30, America/New_York"},
		{daily("07:30", "UTC", "sun", "sat", "mon"), "Mon, Sat and Sun at 07:30, UTC"},
		{daily("07:30", "UTC", "Tue", "thu"), "Tue and Thu at 07:30, UTC"},
		{daily("07:30", "UTC", "tue"), "Every Tuesday at 07:30, UTC"},
		{weekly("mon", "08:00", "Europe/Paris"), "Every Monday at 08:00, Europe/Paris"},
		{weekly("SUN", "", "Australia/Sydney"), "Every Sunday at 00:00, Australia/Sydney"},
		{monthly(-1, "23:00", ""), "Monthly on the last day at 23:00, UTC"},
		{monthly(1, "06:00", "Europe/Paris", 1, 4, 7, 10), "On the 1st of January, April, July and October at 06:00, Europe/Paris"},
		{monthly(2, "06:00", "UTC", 12, 6), "On the 2nd of June and December at 06:00, UTC"},
		{monthly(3, "06:00", "UTC"), "Monthly on the 3rd at 06:00, UTC"},
		{monthly(11, "06:00", "UTC"), "Monthly on the 11th at 06:00, UTC"},
		{monthly(12, "06:00", "UTC"), "Monthly on the 12th at 06:00, UTC"},
		{monthly(13, "06:00", "UTC"), "Monthly on the 13th at 06:00, UTC"},
		{monthly(21, "06:00", "UTC"), "Monthly on the 21st at 06:00, UTC"},
		{monthly(22, "06:00", "UTC"), "Monthly on the 22nd at 06:00, UTC"},
		{monthly(23, "06:00", "UTC"), "Monthly on the 23rd at 06:00, UTC"},
		{monthly(28, "06:00", "UTC"), "Monthly on the 28th at 06:00, UTC"},
		{monthly(29, "06:00", "UTC"), "Monthly on the 29th (the last day in shorter months) at 06:00, UTC"},
		{monthly(31, "06:00", "UTC"), "Monthly on the 31st (the last day in shorter months) at 06:00, UTC"},
		{monthly(31, "06:00", "UTC", 1, 3), "On the 31st of January and March at 06:00, UTC"},
		{monthly(31, "06:00", "UTC", 3, 4), "On the 31st (the last day in shorter months) of March and April at 06:00, UTC"},
		{monthly(-1, "", "UTC", 2), "On the last day of February at 00:00, UTC"},
		{monthly(5, "", "UTC", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), "Monthly on the 5th at 00:00, UTC"},
		{cron("*/15 * * * *", ""), `Cron "*/15 * * * *", UTC`},
		{cron(" 30 6 * * 1-5 ", "Asia/Kolkata"), `Cron "30 6 * * 1-5", Asia/Kolkata`},
		{facteur.Calendar{Frequency: facteur.Workday, Workday: 1, At: "06:00", TimeZone: "Europe/Paris", Region: "FR",
			Closures: []string{"Office closures"}, ClosureLists: []facteur.ClosureList{{Name: "Office closures"}}},
			"The 1st working day of each month at 06:00, Europe/Paris, French public holidays and 'Office closures' observed"},
		{facteur.Calendar{Frequency: facteur.Workday, Workday: -1, Period: "quarter", At: "17:00", TimeZone: "America/New_York", Region: "US"},
			"The last working day of each quarter at 17:00, America/New_York, US federal holidays observed"},
		{facteur.Calendar{Frequency: facteur.Workday, Workday: -2, At: "17:00", Region: "GB-ENG"},
			"The 2nd-to-last working day of each month at 17:00, UTC, English bank holidays observed"},
		{facteur.Calendar{Frequency: facteur.Workdays, At: "09:00", TimeZone: "Asia/Riyadh", Region: "SA"},
			"Every working day at 09:00, Asia/Riyadh, Saudi public holidays (fixed dates) observed (weekend Friday–Saturday)"},
		{facteur.Calendar{Frequency: facteur.Workdays, At: "09:00"}, "Every working day at 09:00, UTC, weekends only (no holidays) observed"},
		{facteur.Calendar{Frequency: facteur.Monthly, DayOfMonth: 1, At: "08:00", TimeZone: "Asia/Dubai", Region: "AE", OnClosed: "previous"},
			"Monthly on the 1st at 08:00, Asia/Dubai, UAE public holidays (fixed dates) observed; on a non-working day, moved to the previous working day"},
		{facteur.Calendar{Frequency: facteur.Weekly, Weekday: "mon", At: "08:00", Region: "DE-BY", OnClosed: "skip"},
			"Every Monday at 08:00, UTC, Bavarian public holidays observed; skipped on a non-working day"},
		{facteur.Calendar{Frequency: facteur.Daily, At: "08:00", Region: "DE-BY"},
			"Every day at 08:00, UTC, Bavarian public holidays observed; runs on non-working days too"},
		{facteur.Calendar{Frequency: facteur.Daily, At: "08:00", Closures: []string{"Missing"}}, "Invalid calendar"},
		{daily("25:00", ""), "Invalid calendar"},
		{facteur.Calendar{}, "Invalid calendar"},
	}
	for _, tt := range tests {
		if got := Describe(tt.cal); got != tt.want {
			t.Errorf("Describe(%+v)\n got %s\nwant %s", tt.cal, got, tt.want)
		}
	}
}
