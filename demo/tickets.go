package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ticket is a row of the tickets table.
type ticket struct {
	id, customer int64
	agent        int64 // 0 while nobody has taken the ticket
	subject      string
	status       string // open, pending, solved, closed
	priority     string
	channel      string
	created      time.Time
	updated      time.Time
	solved       time.Time // zero unless solved or closed
	satisfaction int64     // 0 when the customer gave no rating
}

// message is a row of the messages table.
type message struct {
	id, ticket int64
	author     string // agent or customer
	body       string
	created    time.Time
}

// conversations makes tickets and their messages.
type conversations struct {
	rng       *rand.Rand
	end       time.Time
	text      *phrases
	agents    []agent
	customers []customer
	nextMsg   int64
	body      strings.Builder
}

// plan returns when each of n tickets is opened, from start on, and by
// whom, in the order they were opened. The volume grows over time, as a
// business does; long-standing customers write more often.
func (c *conversations) plan(n int, start time.Time) []ticket {
	span := c.end.Sub(start)
	out := make([]ticket, n)
	for i := range out {
		at := start.Add(time.Duration(math.Pow(c.rng.Float64(), 0.8) * float64(span)))
		at = shape(c.rng, at, start, c.end)
		// Customers are in the order they signed up: pick one who had.
		k := sort.Search(len(c.customers), func(i int) bool { return c.customers[i].created.After(at) })
		if k == 0 {
			k, at = 1, c.customers[0].created
		}
		cu := &c.customers[int(float64(k)*math.Pow(c.rng.Float64(), 1.3))]
		out[i] = ticket{customer: cu.id, created: at}
	}
	slices.SortStableFunc(out, func(a, b ticket) int { return a.created.Compare(b.created) })
	for i := range out {
		out[i].id = int64(i + 1)
	}
	return out
}

// fill completes a planned ticket, and returns its messages.
func (c *conversations) fill(t *ticket, msgs []message) []message {
	rng := c.rng
	cu := &c.customers[t.customer-1]
	t.status = c.status(c.end.Sub(t.created))
	t.priority = weighted(rng, []string{"low", "normal", "high", "urgent"}, []int{20, 55, 20, 5})
	t.channel = weighted(rng, []string{"email", "web", "chat", "phone"}, []int{45, 25, 20, 10})
	unassigned := t.status == "open" && t.channel != "phone" && rng.IntN(3) == 0
	var ag *agent
	if !unassigned {
		ag = c.agentFor(t.created)
		t.agent = ag.id
	}
	v := vars{first: cu.first, last: cu.last, company: cu.company.String, first2: c.otherFirstName(),
		product: pick(rng, c.text.products), n: 100000 + rng.IntN(900000), amount: 5 + rng.IntN(495)}
	if ag != nil {
		v.agent, v.team = ag.first, ag.team
	}
	t.subject = c.render(&v, pick(rng, c.text.subjects))
	if r, size := utf8.DecodeRuneInString(t.subject); unicode.IsLower(r) {
		t.subject = string(unicode.ToUpper(r)) + t.subject[size:]
	}

	authors := c.authors(t, unassigned)
	at := t.created
	for i, author := range authors {
		if i > 0 {
			lo, hi := c.replyGap(author, t.priority)
			at = c.later(at, lo, hi)
		}
		msgs = append(msgs, message{id: c.nextID(), ticket: t.id, author: author, created: at,
			body: c.messageBody(t, &v, author, i, i == len(authors)-1)})
	}
	t.updated = at
	if t.status == "solved" || t.status == "closed" {
		t.solved = c.later(at, time.Minute, 30*time.Minute)
		t.updated = t.solved
		if rng.IntN(100) < 55 {
			t.satisfaction = int64(weighted(rng, []int{1, 2, 3, 4, 5}, []int{6, 7, 12, 30, 45}))
			t.updated = c.later(t.solved, time.Hour, 3*24*time.Hour)
		}
		if t.status == "closed" {
			t.updated = c.later(t.updated, 4*24*time.Hour, 5*24*time.Hour)
		}
	}
	return msgs
}

// status returns the status of a ticket opened age ago: recent tickets are
// still being worked on, old ones are mostly closed.
func (c *conversations) status(age time.Duration) string {
	statuses := []string{"open", "pending", "solved", "closed"}
	switch {
	case age < 2*24*time.Hour:
		return weighted(c.rng, statuses, []int{55, 25, 20, 0})
	case age < 14*24*time.Hour:
		return weighted(c.rng, statuses, []int{20, 25, 45, 10})
	}
	return weighted(c.rng, statuses, []int{2, 3, 10, 85})
}

// agentFor returns an agent who could take a ticket opened at t: hired by
// then, and not gone for long if no longer active.
func (c *conversations) agentFor(t time.Time) *agent {
	for range 20 {
		a := &c.agents[c.rng.IntN(len(c.agents))]
		if !a.hired.After(t) && (a.active || t.Before(c.end.AddDate(0, -6, 0))) {
			return a
		}
	}
	return &c.agents[0]
}

// authors returns who writes each message of a ticket, in order.
func (c *conversations) authors(t *ticket, unassigned bool) []string {
	if unassigned {
		return []string{"customer", "customer"}[:1+c.rng.IntN(5)/4]
	}
	n := weighted(c.rng, []int{1, 2, 3, 4, 5, 6, 8}, []int{10, 40, 25, 12, 7, 4, 2})
	who := "customer"
	if t.channel == "phone" {
		who = "agent" // the agent writes up the call
	}
	out := make([]string, 0, n+1)
	for range n {
		out = append(out, who)
		if c.rng.IntN(10) != 0 { // sometimes people write twice in a row
			who = other(who)
		}
	}
	// Solved and pending tickets wait on the customer after the agent's
	// answer; open ones wait on the agent.
	want := "agent"
	if t.status == "open" {
		want = "customer"
	}
	if out[len(out)-1] == want {
		return out
	}
	if len(out) > 1 && out[len(out)-2] == want {
		return out[:len(out)-1]
	}
	return append(out, want)
}

// replyGap returns the shortest and longest time before a message by
// author: agents answer urgent tickets faster.
func (c *conversations) replyGap(author, priority string) (lo, hi time.Duration) {
	if author == "customer" {
		return 5 * time.Minute, 3 * 24 * time.Hour
	}
	switch priority {
	case "urgent":
		return 5 * time.Minute, 4 * time.Hour
	case "high":
		return 10 * time.Minute, 12 * time.Hour
	case "low":
		return time.Hour, 4 * 24 * time.Hour
	}
	return 30 * time.Minute, 2 * 24 * time.Hour
}

// later returns a time after t by a gap between lo and hi, truncated to the
// second. A gap that would reach the end of the demo's period is cut short.
func (c *conversations) later(t time.Time, lo, hi time.Duration) time.Time {
	u := t.Add(gap(c.rng, lo, hi))
	if !u.Before(c.end) {
		u = t.Add(c.end.Sub(t) / 2)
	}
	return u.Truncate(time.Second)
}

// messageBody writes the text of the i-th message of a ticket.
func (c *conversations) messageBody(t *ticket, v *vars, author string, i int, last bool) string {
	p, rng := c.text, c.rng
	var parts []string
	switch {
	case author == "agent" && t.channel == "phone" && i == 0:
		parts = []string{pick(rng, p.phoneSummaries)}
	case author == "agent":
		reply := pick(rng, p.agentReplies)
		if last && t.status == "pending" {
			reply = pick(rng, p.agentPendings)
		} else if last {
			reply = pick(rng, p.agentSolutions) + " I'm marking this ticket as solved; just reply if anything else comes up."
		}
		parts = []string{pick(rng, p.agentGreetings), reply, pick(rng, p.agentSignOffs)}
	case i > 0:
		parts = []string{pick(rng, p.followUps)}
		if rng.IntN(3) == 0 {
			parts = append(parts, "{first}")
		}
	case t.channel == "chat":
		parts = []string{pick(rng, p.problems)}
	default:
		problem := pick(rng, p.problems)
		if rng.IntN(3) == 0 {
			problem += " " + pick(rng, p.problems)
		}
		if rng.IntN(2) == 0 {
			problem += " " + pick(rng, p.extras)
		}
		parts = []string{pick(rng, p.greetings), problem, pick(rng, p.signOffs)}
	}
	return c.render(v, strings.Join(parts, "\n\n"))
}

// render fills a template's placeholders and trims the result.
func (c *conversations) render(v *vars, tmpl string) string {
	c.body.Reset()
	fill(&c.body, tmpl, v)
	return strings.TrimRightFunc(c.body.String(), unicode.IsSpace)
}

// otherFirstName returns a first name for someone mentioned in a message.
func (c *conversations) otherFirstName() string {
	return c.customers[c.rng.IntN(len(c.customers))].first
}

// nextID returns the id of the next message.
func (c *conversations) nextID() int64 {
	c.nextMsg++
	return c.nextMsg
}

// other returns the other author.
func other(author string) string {
	if author == "agent" {
		return "customer"
	}
	return "agent"
}

// weighted returns one of values, each as likely as its weight.
func weighted[T any](rng *rand.Rand, values []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n -= w; n < 0 {
			return values[i]
		}
	}
	return values[len(values)-1]
}
