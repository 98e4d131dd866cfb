package export

import "github.com/facteur/facteur"

// TestRows is how many rows Send test exports: enough to check the format
// and the columns, few enough to go quickly and to expose little data.
const TestRows = 100

// TestPrefix starts the name of every file Send test delivers, so that a
// partner's import that picks files by their name's start (orders_*.csv)
// leaves it, and a person sees at once what it is.
const TestPrefix = "TEST_"

// testSpec adjusts the file name and the row limit of a run of Send test;
// other runs keep theirs.
func testSpec(run *facteur.Run, name string) (string, int64) {
	if run.Trigger != facteur.TriggerTest {
		return name, 0
	}
	return TestPrefix + name, TestRows
}
