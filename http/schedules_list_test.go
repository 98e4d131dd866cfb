package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestSchedulesSearchAndPages: the list's search, kind filter and pages
// come from the store; the answer stays an array, with the total in
// X-Total-Count and the next and previous pages in Link; bad parameters
// are refused naming them.
func TestSchedulesSearchAndPages(t *testing.T) {
	e := newEnv(t)
	admin := e.users[facteur.RoleAdmin]
	// Besides "items to folder" (admin) and "items to partner sftp" (the
	// file scheduler's): five e-mail schedules named "Weekly 1".."Weekly 5".
	var weekly []int64
	for i := 1; i <= 5; i++ {
		sc := e.schedule(admin, e.email)
		sc.Name = fmt.Sprintf("Weekly %d", i)
		must(t, e.db.UpdateSchedule(t.Context(), sc))
		weekly = append(weekly, sc.ID)
	}
	get := func(token, query string) (int, []int64, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest("GET", e.srv.URL+"/api/v1/schedules"+query, nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var list []struct {
			ID int64 `json:"id"`
		}
		var ids []int64
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &list); err != nil {
				t.Fatalf("GET %s: not a JSON array: %s", query, b)
			}
			for _, s := range list {
				ids = append(ids, s.ID)
			}
		}
		return resp.StatusCode, ids, resp.Header, string(b)
	}
	all := append([]int64{e.shared.ID, e.private.ID}, weekly...)
	for _, c := range []struct {
		name, token, query string
		want               []int64
		total, link        string
	}{
		{"no parameters: the whole list", e.tokens[facteur.RoleAdmin], "", all, "7", ""},
		{"a viewer does not see file storage", e.tokens[facteur.RoleViewer], "", append([]int64{e.shared.ID}, weekly...), "6", ""},
		{"its owner does", e.tokens[facteur.RoleFileScheduler], "?kind=sftp", []int64{e.private.ID}, "1", ""},
		{"a viewer's search", e.tokens[facteur.RoleViewer], "?q=partner", nil, "0", ""},
		{"a destination's name", e.tokens[facteur.RoleAdmin], "?q=MAIL", weekly, "5", ""},
		{"a report's name", e.tokens[facteur.RoleAdmin], "?q=items", all, "7", ""},
		{"a kind", e.tokens[facteur.RoleAdmin], "?kind=folder", []int64{e.shared.ID}, "1", ""},
		{"the first page", e.tokens[facteur.RoleAdmin], "?q=weekly&per_page=2", weekly[:2], "5",
			`</api/v1/schedules?page=2&per_page=2&q=weekly>; rel="next"`},
		{"a middle page", e.tokens[facteur.RoleAdmin], "?q=weekly&per_page=2&page=2", weekly[2:4], "5",
			`</api/v1/schedules?page=3&per_page=2&q=weekly>; rel="next", </api/v1/schedules?page=1&per_page=2&q=weekly>; rel="prev"`},
		{"the last page", e.tokens[facteur.RoleAdmin], "?q=weekly&per_page=2&page=3", weekly[4:], "5",
			`</api/v1/schedules?page=2&per_page=2&q=weekly>; rel="prev"`},
		{"past the end", e.tokens[facteur.RoleAdmin], "?q=weekly&per_page=2&page=9", nil, "5",
			`</api/v1/schedules?page=3&per_page=2&q=weekly>; rel="prev"`},
		{"a page number alone: pages of 50", e.tokens[facteur.RoleAdmin], "?page=1", all, "7", ""},
		{"wildcards are letters", e.tokens[facteur.RoleAdmin], "?q=%25", nil, "0", ""},
	} {
		status, ids, h, body := get(c.token, c.query)
		if status != 200 || fmt.Sprint(ids) != fmt.Sprint(c.want) || h.Get("X-Total-Count") != c.total || h.Get("Link") != c.link {
			t.Errorf("%s: GET %s = %d %v total %q link %q (%s), want %v total %s link %q", c.name, c.query, status, ids,
				h.Get("X-Total-Count"), h.Get("Link"), cut(body, 200), c.want, c.total, c.link)
		}
	}
	for _, c := range []struct{ query, param string }{
		{"?page=0", "page"}, {"?page=-1", "page"}, {"?page=x", "page"}, {"?page=1000001", "page"},
		{"?per_page=0", "per_page"}, {"?per_page=501", "per_page"}, {"?per_page=1e3", "per_page"},
		{"?q=" + strings.Repeat("a", facteur.MaxScheduleSearch+1), "q"},
		{"?kind=ftp", "kind"},
	} {
		status, _, _, body := get(e.tokens[facteur.RoleViewer], c.query)
		if status != 400 || !strings.Contains(body, `"message": "`+c.param+`:`) {
			t.Errorf("GET %s: %d %s, want a 400 naming %s", cut(c.query, 40), status, cut(body, 200), c.param)
		}
	}
	if status, ids, _, _ := get(e.tokens[facteur.RoleViewer], "?q="+strings.Repeat("é", facteur.MaxScheduleSearch)); status != 200 || ids != nil {
		t.Errorf("a search of %d characters: %d %v, want 200 and none", facteur.MaxScheduleSearch, status, ids)
	}
}
