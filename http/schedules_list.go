package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/http/apitypes"
)

// Paging of the schedules list.
const (
	// defaultSchedulesPage is the size of a page asked for by its number
	// alone.
	defaultSchedulesPage = 50
	// maxSchedulesPageNumber bounds ?page=, so that the offset it makes
	// stays a small number.
	maxSchedulesPageNumber = 1_000_000
)

// listSchedules lists the schedules the account may see, by id, each with
// its newest run. Query parameters: q (in the schedule's, its report's or
// its destination's name, letter case aside), kind (of the destination),
// page and per_page. Without page or per_page the list is whole. The
// answer stays a JSON array; X-Total-Count says how many schedules the
// filter selects, and Link (RFC 8288) gives the next and previous pages.
func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) {
	f, paged, err := scheduleFilter(r, s.kinds())
	if err != nil {
		s.error(w, r, err)
		return
	}
	if u := user(r); u.Role != facteur.RoleAdmin {
		f.VisibleTo, f.SharedKinds = u.ID, s.kinds().Shared()
	}
	list, total, err := s.Store.FindSchedules(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	latest, err := s.Store.LatestRuns(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	overdue, err := s.overdueSlots(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]apitypes.Schedule, 0, len(list))
	for _, sc := range list {
		j := s.scheduleJSON(sc)
		a, ok := overdue[sc.ID]
		j.Overdue = overdueOf(sc, a, ok)
		if run := latest[sc.ID]; run != nil {
			j.LastRun = &apitypes.LastRun{ID: run.ID, Status: run.Status, Ignored: run.Ignored, CreatedAt: run.CreatedAt, FinishedAt: run.FinishedAt}
		}
		out = append(out, j)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	if paged {
		if links := pageLinks(r.URL, f, total); links != "" {
			w.Header().Set("Link", links)
		}
	}
	s.json(w, http.StatusOK, out)
}

// scheduleFilter reads the list's query parameters, the kind among the
// registered ones; paged says whether the list is cut in pages. Each bad
// value is refused naming its parameter.
func scheduleFilter(r *http.Request, kinds *deliver.Registry) (f facteur.ScheduleFilter, paged bool, err error) {
	q := r.URL.Query()
	f.Search = strings.TrimSpace(q.Get("q"))
	if n := utf8.RuneCountInString(f.Search); n > facteur.MaxScheduleSearch {
		return f, false, facteur.Errorf(facteur.EINVALID, "q: at most %d characters, not %d", facteur.MaxScheduleSearch, n)
	}
	if f.Kind = q.Get("kind"); f.Kind != "" {
		if _, err := kinds.Lookup(f.Kind); err != nil {
			return f, false, err // names kind and the kinds there are
		}
	}
	paged = q.Has("page") || q.Has("per_page")
	if !paged {
		return f, false, nil
	}
	if f.Limit, err = countParam(r, "per_page", defaultSchedulesPage, facteur.MaxSchedulesPage); err != nil {
		return f, false, err
	}
	page, err := countParam(r, "page", 1, maxSchedulesPageNumber)
	if err != nil {
		return f, false, err
	}
	f.Offset = (page - 1) * f.Limit
	return f, true, nil
}

// pageLinks returns the Link header of a page of the list at u: the next
// page while there are more, the previous one after the first.
func pageLinks(u *url.URL, f facteur.ScheduleFilter, total int) string {
	page := f.Offset/f.Limit + 1
	link := func(n int, rel string) string {
		q := u.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(f.Limit))
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, u.Path, q.Encode(), rel)
	}
	var links []string
	if f.Offset+f.Limit < total {
		links = append(links, link(page+1, "next"))
	}
	if page > 1 {
		// Past the end, the previous page is the last one.
		last := max(1, (total+f.Limit-1)/f.Limit)
		links = append(links, link(min(page-1, last), "prev"))
	}
	return strings.Join(links, ", ")
}
