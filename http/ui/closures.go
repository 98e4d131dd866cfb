package ui

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
)

// closuresPage shows the organisation's closure lists: an editor of each
// for administrators, the days for everyone else.
type closuresPage struct {
	Lists []*facteur.ClosureList
	// Error is the API's refusal of the list being saved (ErrorID), with
	// what was typed.
	Error   string
	ErrorID int64 // 0: the new list
	Typed   map[string]string
}

// DaysText is a list's days, one date or range a line:
// "2026-12-24..2026-12-31 Christmas break".
func (closuresPage) DaysText(l *facteur.ClosureList) string {
	var b strings.Builder
	for _, d := range l.Days {
		b.WriteString(d.From)
		if d.To != "" {
			b.WriteString(".." + d.To)
		}
		if d.Label != "" {
			b.WriteString(" " + d.Label)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Typed returns what was typed in a field of the list that failed to save.
func (p closuresPage) TypedFor(id int64, field, stored string) string {
	if p.Error != "" && p.ErrorID == id {
		return p.Typed[field]
	}
	return stored
}

// daysFromText reads the editor's lines; a line that is not a date or a
// range is kept as its first word, for the API to refuse by its line.
func daysFromText(text string) []facteur.ClosureDays {
	out := []facteur.ClosureDays{}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		when, label, _ := strings.Cut(line, " ")
		from, to, _ := strings.Cut(when, "..")
		out = append(out, facteur.ClosureDays{From: from, To: to, Label: strings.TrimSpace(label)})
	}
	return out
}

var dayIndex = regexp.MustCompile(`^days\[(\d+)\]\.(\w+): `)

// lineWords says an API message about days[i] as the editor's line i+1.
func lineWords(msg string) string {
	m := dayIndex.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	i, _ := strconv.Atoi(m[1])
	return fmt.Sprintf(text("closures.line"), i+1) + msg[len(m[0]):]
}

func (s *Server) closures(w http.ResponseWriter, r *http.Request, v view) error {
	var p closuresPage
	status := http.StatusOK
	if r.Method == http.MethodPost {
		id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		var err error
		switch {
		case r.PostFormValue("action") == "delete":
			p.Error, status, err = refusal(s.call(r, "DELETE", fmt.Sprintf("/api/v1/closures/%d", id), nil, nil))
			if err == nil && p.Error == "" {
				v.Flash = text("done.deleted")
			}
		default:
			body := map[string]any{"name": r.PostFormValue("name"), "days": daysFromText(r.PostFormValue("days"))}
			method, path := "POST", "/api/v1/closures"
			if id > 0 {
				method, path = "PUT", fmt.Sprintf("/api/v1/closures/%d", id)
			}
			p.Error, status, err = refusal(s.call(r, method, path, body, nil))
			if err == nil && p.Error == "" {
				v.Flash = text("done.closures")
			}
		}
		if err != nil {
			return err
		}
		if p.Error != "" {
			p.Error, p.ErrorID = lineWords(p.Error), id
			p.Typed = map[string]string{"name": r.PostFormValue("name"), "days": r.PostFormValue("days")}
		} else {
			status = http.StatusOK
		}
	}
	if err := s.call(r, "GET", "/api/v1/closures", nil, &p.Lists); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("closures.title"), "closures", p
	s.render(w, status, "closures", v)
	return nil
}
