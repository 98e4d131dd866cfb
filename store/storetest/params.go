package storetest

import (
	"reflect"
	"testing"

	"github.com/facteur/facteur"
)

// testParams stores a report's parameter declarations and a schedule's
// values, reads them back unchanged, and refuses a bad declaration with
// nothing stored.
func testParams(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	def, list := facteur.TextValue("FR"), facteur.ListValue("a", "b, c")
	f.rep.SQL = "SELECT * FROM tickets WHERE country = :country AND team IN (:teams) AND opened >= :since"
	f.rep.Parameters = []facteur.Parameter{
		{Name: "country", Type: facteur.ParamText, Default: &def, Label: "Country ✓"},
		{Name: "teams", Type: facteur.ParamList, Default: &list},
		{Name: "since", Type: facteur.ParamDate},
	}
	must(t, s.UpdateReport(ctx, f.rep))
	got, err := s.Report(ctx, f.rep.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Parameters, f.rep.Parameters) {
		t.Fatalf("parameters = %s\nwant %s", js(got.Parameters), js(f.rep.Parameters))
	}
	sc := f.schedule(t, ctx, s, "daily", nil)
	if back, err := s.Schedule(ctx, sc.ID); err != nil || back.Params != nil {
		t.Fatalf("a schedule without values reads %s, %v", js(back), err)
	}
	sc.Params = facteur.ParamValues{"since": facteur.TextValue("2026-02-01"), "teams": facteur.ListValue()}
	must(t, s.UpdateSchedule(ctx, sc))
	back, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if !reflect.DeepEqual(back.Params, sc.Params) {
		t.Fatalf("params = %s\nwant %s", js(back.Params), js(sc.Params))
	}

	bad := *got
	bad.Parameters = []facteur.Parameter{{Name: "1st", Type: facteur.ParamText}}
	err = s.UpdateReport(ctx, &bad)
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != `parameters[0].name: "1st" is not a parameter name; use letters, digits and _, starting with a letter or _` {
		t.Errorf("message = %q", msg)
	}
	if again, _ := s.Report(ctx, f.rep.ID); !reflect.DeepEqual(again.Parameters, f.rep.Parameters) {
		t.Errorf("a refused update changed the parameters: %s", js(again.Parameters))
	}
}
