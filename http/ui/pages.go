package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// pageSize is how many schedules one page of the list shows.
const pageSize = 50

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	msg, _ := takeFlash(w, r)
	s.render(w, http.StatusOK, "login", view{Title: text("login.title"), Flash: msg, Data: r.URL.Query().Get("next")})
}

// login opens a session through the API and passes its cookie on. A form
// posted from another site is refused (it could log a browser into the
// other site's account): browsers say where a POST comes from in Origin.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			s.render(w, http.StatusForbidden, "login", view{Title: text("login.title"), Error: text("login.other_site")})
			return
		}
	}
	if status, msg := readForm(w, r); status != 0 {
		s.render(w, status, "login", view{Title: text("login.title"), Error: msg})
		return
	}
	body, _ := json.Marshal(map[string]string{"email": r.PostFormValue("email"), "password": r.PostFormValue("password")})
	req, _ := http.NewRequestWithContext(r.Context(), "POST", "/api/v1/login", strings.NewReader(string(body)))
	req.RemoteAddr = r.RemoteAddr
	req.TLS = r.TLS
	req.Header.Set("Content-Type", "application/json")
	rec := newRecorder()
	s.API.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		var e apitypes.Error
		json.Unmarshal(rec.body.Bytes(), &e)
		if v := rec.header.Get("Retry-After"); v != "" {
			w.Header().Set("Retry-After", v)
		}
		s.render(w, rec.status, "login", view{Title: text("login.title"), Error: e.Error.Message, Data: r.PostFormValue("next")})
		return
	}
	for _, c := range rec.header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	next := r.PostFormValue("next")
	if !localPath(next) {
		next = "/schedules"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, v view) error {
	req, _ := http.NewRequestWithContext(r.Context(), "POST", "/api/v1/logout", nil)
	for _, c := range r.Cookies() {
		req.AddCookie(c)
	}
	req.Header.Set("X-CSRF-Token", r.PostFormValue("csrf_token"))
	rec := newRecorder()
	s.API.ServeHTTP(rec, req)
	for _, c := range rec.header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// scheduleRow is a line of the schedules list: the schedule as the API
// lists it, and its destination when the account may see it.
type scheduleRow struct {
	apitypes.Schedule
	Destination *apitypes.Destination
}

type schedulesPage struct {
	Rows        []scheduleRow
	Query, Kind string
	Kinds       []string
	Page, Pages int
	Total       int
	PrevURL     string
	NextURL     string
}

// maxPageNumber is the last page number the API takes.
const maxPageNumber = 1_000_000

// schedules lists the schedules the account may see, with search, a
// destination-kind filter and pages of pageSize: the API searches and
// cuts the page, and says how many there are in all.
func (s *Server) schedules(w http.ResponseWriter, r *http.Request, v view) error {
	var dests []*apitypes.Destination
	if err := s.call(r, "GET", "/api/v1/destinations", nil, &dests); err != nil {
		return err
	}
	byID := map[int64]*apitypes.Destination{}
	kinds := map[string]bool{}
	for _, d := range dests {
		byID[d.ID], kinds[d.Kind] = d, true
	}
	p := schedulesPage{Query: strings.TrimSpace(r.URL.Query().Get("q")), Kind: r.URL.Query().Get("kind")}
	for k := range kinds {
		p.Kinds = append(p.Kinds, k)
	}
	sort.Strings(p.Kinds)
	p.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	p.Page = min(max(p.Page, 1), maxPageNumber)
	list, err := s.schedulesAt(r, &p)
	v.Title, v.Section = text("schedules.title"), "schedules"
	if msg, status, fail := refusal(err); fail != nil {
		return fail
	} else if msg != "" {
		// A search too long or an unknown kind: the API's words above the form.
		v.Error, v.Data = msg, p
		s.render(w, status, "schedules", v)
		return nil
	}
	for _, sc := range list {
		p.Rows = append(p.Rows, scheduleRow{Schedule: sc, Destination: byID[sc.DestinationID]})
	}
	link := func(page int) string {
		vals := url.Values{"q": {p.Query}, "kind": {p.Kind}, "page": {strconv.Itoa(page)}}
		return "/schedules?" + vals.Encode()
	}
	if p.Page > 1 {
		p.PrevURL = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.NextURL = link(p.Page + 1)
	}
	v.Data = p
	s.render(w, http.StatusOK, "schedules", v)
	return nil
}

// schedulesAt asks the API for page p.Page of the schedules p's search
// and kind select, and sets p's total and number of pages. A page past
// the last shows the last.
func (s *Server) schedulesAt(r *http.Request, p *schedulesPage) ([]apitypes.Schedule, error) {
	for {
		q := url.Values{"page": {strconv.Itoa(p.Page)}, "per_page": {strconv.Itoa(pageSize)}}
		if p.Query != "" {
			q.Set("q", p.Query)
		}
		if p.Kind != "" {
			q.Set("kind", p.Kind)
		}
		var list []apitypes.Schedule
		h, err := s.list(r, "/api/v1/schedules?"+q.Encode(), &list)
		if err != nil {
			return nil, err
		}
		p.Total, _ = strconv.Atoi(h.Get("X-Total-Count"))
		p.Pages = max(1, (p.Total+pageSize-1)/pageSize)
		if p.Page <= p.Pages {
			return list, nil
		}
		p.Page = p.Pages
	}
}

func (s *Server) runSchedule(w http.ResponseWriter, r *http.Request, v view) error {
	var run facteur.Run
	if err := s.call(r, "POST", "/api/v1/schedules/"+r.PathValue("id")+"/run", nil, &run); err != nil {
		return err
	}
	backLink(w, r, "/schedules", text("done.run", run.ID), fmt.Sprintf("/runs/%d", run.ID))
	return nil
}

// testSchedule is Send test: the first rows of the report, as a test
// file, to the schedule's destination; the page of its run follows it.
func (s *Server) testSchedule(w http.ResponseWriter, r *http.Request, v view) error {
	var run facteur.Run
	if err := s.call(r, "POST", "/api/v1/schedules/"+r.PathValue("id")+"/test", nil, &run); err != nil {
		return err
	}
	redirectWith(w, r, fmt.Sprintf("/runs/%d", run.ID), text("done.test_run", run.ID))
	return nil
}

// deleteObject is the handler that deletes an object of the API
// collection (schedules, reports, sources, destinations) and goes back to
// its list with the message done.
func (s *Server) deleteObject(collection, done string) func(http.ResponseWriter, *http.Request, view) error {
	return func(w http.ResponseWriter, r *http.Request, v view) error {
		if err := s.call(r, "DELETE", "/api/v1/"+collection+"/"+r.PathValue("id"), nil, nil); err != nil {
			return err
		}
		redirectWith(w, r, "/"+collection, done)
		return nil
	}
}

// runRow is a line of the run history: the run as the API shows it, with
// what the pages compute from it.
type runRow struct {
	apitypes.Run
}

// Duration is how long the run took, or has taken so far.
func (r runRow) Duration() time.Duration {
	if r.StartedAt == nil {
		return 0
	}
	end := time.Now()
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	}
	return end.Sub(*r.StartedAt)
}

// Active reports whether the run is still going.
func (r runRow) Active() bool {
	return r.Status == facteur.RunQueued || r.Status == facteur.RunRunning || r.Status == facteur.RunRetrying
}

type runsPage struct {
	Ignored  bool // ignored runs are shown
	Toggle   string
	Runs     []runRow
	Schedule *facteur.Schedule
	Names    map[int64]string // schedule names, for the global history
	// Schedules are the ones the filter offers, by name.
	Schedules []*facteur.Schedule
	// Filter is the history's filter as the URL gives it.
	Filter            url.Values
	Filtered          bool
	Statuses          []string
	NewerURL, NextURL string
}

// runsPageSize is how many runs one page of the history shows.
const runsPageSize = 50

// runFilterParams are the history's filters, passed on to the API as
// they are, so that the API's checks and messages are the page's.
var runFilterParams = []string{"schedule_id", "status", "from", "to", "ignored"}

// runs is the history, global or of one schedule (?schedule_id=), with
// the filters of runFilterParams and pages (?before= older, ?after= newer).
func (s *Server) runs(w http.ResponseWriter, r *http.Request, v view) error {
	p := runsPage{Filter: url.Values{}, Statuses: facteur.RunStatuses}
	for _, k := range runFilterParams {
		if x := strings.TrimSpace(r.URL.Query().Get(k)); x != "" {
			p.Filter.Set(k, x)
		}
	}
	p.Filtered = p.Filter.Get("status") != "" || p.Filter.Get("from") != "" || p.Filter.Get("to") != ""
	q := url.Values{"limit": {strconv.Itoa(runsPageSize)}}
	for k, x := range p.Filter {
		q[k] = x
	}
	for _, k := range []string{"before", "after"} {
		if x := r.URL.Query().Get(k); x != "" {
			q.Set(k, x)
		}
	}
	var list []*facteur.Schedule
	if err := s.call(r, "GET", "/api/v1/schedules", nil, &list); err != nil {
		return err
	}
	p.Names = map[int64]string{}
	for _, sc := range list {
		p.Names[sc.ID] = sc.Name
	}
	p.Schedules = list
	sort.Slice(p.Schedules, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	v.Title, v.Section = text("runs.title"), "runs"
	err := s.call(r, "GET", "/api/v1/runs?"+q.Encode(), nil, &p.Runs)
	if msg, status, fail := refusal(err); fail != nil {
		return fail
	} else if msg != "" {
		// A bad filter: the page shows the API's words above the form.
		v.Error, v.Data = msg, p
		s.render(w, status, "runs", v)
		return nil
	}
	p.Ignored = p.Filter.Get("ignored") == "true"
	toggle := url.Values{}
	for k, x := range p.Filter {
		toggle[k] = x
	}
	if p.Ignored {
		toggle.Del("ignored")
	} else {
		toggle.Set("ignored", "true")
	}
	p.Toggle = "/runs?" + toggle.Encode()
	if id := p.Filter.Get("schedule_id"); id != "" {
		p.Schedule = &facteur.Schedule{}
		if err := s.call(r, "GET", "/api/v1/schedules/"+id, nil, p.Schedule); err != nil {
			return err
		}
		v.Title = text("runs.of", p.Schedule.Name)
	}
	page := func(k string, id int64) string {
		u := url.Values{}
		for key, x := range p.Filter {
			u[key] = x
		}
		u.Set(k, strconv.FormatInt(id, 10))
		return "/runs?" + u.Encode()
	}
	if n := len(p.Runs); n > 0 {
		fromNewer, fromOlder := q.Get("before") != "", q.Get("after") != ""
		if n == runsPageSize || fromOlder {
			p.NextURL = page("before", p.Runs[n-1].ID)
		}
		if fromNewer || (fromOlder && n == runsPageSize) {
			p.NewerURL = page("after", p.Runs[0].ID)
		}
	}
	v.Data = p
	s.render(w, http.StatusOK, "runs", v)
	return nil
}

// runPage is one run: its numbers, the definition it used, a chart of its
// stages and its log.
type runPage struct {
	runRow
	Definition string
	Total      time.Duration
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, v view) error {
	var p runPage
	if err := s.call(r, "GET", "/api/v1/runs/"+r.PathValue("id"), nil, &p); err != nil {
		return err
	}
	if len(p.Run.Definition) > 0 {
		var pretty any
		if json.Unmarshal(p.Run.Definition, &pretty) == nil {
			b, _ := json.MarshalIndent(pretty, "", "  ")
			p.Definition = string(b)
		}
	}
	for _, st := range p.Stages {
		p.Total += st.Duration
	}
	v.Title, v.Section, v.Data = text("run.title", p.ID), "runs", p
	s.render(w, http.StatusOK, "run", v)
	return nil
}

func (s *Server) retryRun(w http.ResponseWriter, r *http.Request, v view) error {
	var run facteur.Run
	if err := s.call(r, "POST", "/api/v1/runs/"+r.PathValue("id")+"/retry", nil, &run); err != nil {
		return err
	}
	backLink(w, r, "/runs", text("done.retry", run.ID), fmt.Sprintf("/runs/%d", run.ID))
	return nil
}

// ignoreRun hides a run from the history, or with undo=1 shows it again.
func (s *Server) ignoreRun(w http.ResponseWriter, r *http.Request, v view) error {
	var run facteur.Run
	path, done := "/api/v1/runs/"+r.PathValue("id")+"/ignore", "done.ignore"
	if r.PostFormValue("undo") != "" {
		path, done = path+"?undo=true", "done.unignore"
	}
	if err := s.call(r, "POST", path, nil, &run); err != nil {
		return err
	}
	back(w, r, "/runs", text(done, run.ID))
	return nil
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request, v view) error {
	var run facteur.Run
	if err := s.call(r, "POST", "/api/v1/runs/"+r.PathValue("id")+"/cancel", nil, &run); err != nil {
		return err
	}
	back(w, r, "/runs", text("done.cancel", run.ID))
	return nil
}
