package demo

import (
	"database/sql"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// agent is a member of the support team.
type agent struct {
	id          int64
	first, full string
	email       string
	phone       string
	team        string
	hired       time.Time
	active      bool
}

// customer is someone who writes to the help desk.
type customer struct {
	id             int64
	first, last    string
	email          string
	phone, company sql.NullString
	city, country  string
	created        time.Time
}

// people holds the generator's state for names: the name groups, the
// countries and the addresses already given out.
type people struct {
	groups    map[string]nameGroup
	groupKeys []string // in a fixed order, for deterministic picks
	countries []country
	weights   int // the sum of the countries' weights
	companies []string
	emails    *emails
}

// newPeople returns an empty people generator.
func newPeople() *people {
	p := &people{groups: nameGroups(), countries: countries(), companies: companies(), emails: newEmails()}
	for _, c := range p.countries {
		p.weights += c.weight
		if !slices.Contains(p.groupKeys, c.names) {
			p.groupKeys = append(p.groupKeys, c.names)
		}
	}
	return p
}

// name returns a first and last name, from group most of the time.
func (p *people) name(rng *rand.Rand, group string) (first, last string) {
	if rng.IntN(4) == 0 {
		group = p.groupKeys[rng.IntN(len(p.groupKeys))]
	}
	g := p.groups[group]
	first = pick(rng, g.first)
	// A few people have a name from elsewhere: families mix.
	if rng.IntN(8) == 0 {
		g = p.groups[p.groupKeys[rng.IntN(len(p.groupKeys))]]
	}
	return first, pick(rng, g.last)
}

// country returns a country, weighted by where customers live.
func (p *people) country(rng *rand.Rand) *country {
	n := rng.IntN(p.weights)
	for i := range p.countries {
		if n -= p.countries[i].weight; n < 0 {
			return &p.countries[i]
		}
	}
	return &p.countries[0]
}

// agents returns n agents. The first was hired long before the demo's
// period starts, so that every ticket has someone to handle it.
func (p *people) agents(rng *rand.Rand, n int, end time.Time) []agent {
	teamNames := teams()
	out := make([]agent, n)
	for i := range out {
		first, last := p.name(rng, p.groupKeys[rng.IntN(len(p.groupKeys))])
		hired := end.AddDate(-8, 0, 0).Add(time.Duration(rng.Int64N(int64(8*365-30) * int64(24*time.Hour)))).Truncate(24 * time.Hour)
		if i == 0 {
			hired = end.AddDate(-8, 0, 0).Truncate(24 * time.Hour)
		}
		out[i] = agent{
			id:     int64(i + 1),
			first:  first,
			full:   first + " " + last,
			email:  p.emails.forName(rng, first, last, "example.com"),
			phone:  phone(rng, []string{"fr", "us", "gb"}[rng.IntN(3)]),
			team:   teamNames[i%len(teamNames)],
			hired:  hired,
			active: i == 0 || rng.IntN(7) != 0,
		}
	}
	return out
}

// customers returns n customers who signed up over the demo's period, in
// the order they did.
func (p *people) customers(rng *rand.Rand, n int, start, end time.Time) []customer {
	// Many customers were there from the start; new ones keep coming.
	span := end.Add(-time.Hour).Sub(start)
	created := make([]time.Time, n)
	for i := range created {
		at := start.Add(time.Duration(math.Pow(rng.Float64(), 1.6) * float64(span)))
		created[i] = shape(rng, at, start, end.Add(-time.Hour))
	}
	slices.SortFunc(created, time.Time.Compare)
	out := make([]customer, n)
	for i := range out {
		c := p.country(rng)
		first, last := p.name(rng, c.names)
		cu := customer{
			id:      int64(i + 1),
			first:   first,
			last:    last,
			email:   p.emails.forName(rng, first, last, ""),
			city:    pick(rng, c.cities),
			country: c.code,
			created: created[i],
		}
		if rng.IntN(4) != 0 {
			cu.phone = sql.NullString{String: phone(rng, c.phone), Valid: true}
		}
		if rng.IntN(3) != 0 {
			cu.company = sql.NullString{String: pick(rng, p.companies), Valid: true}
		}
		out[i] = cu
	}
	return out
}

// shape moves t, a time in [from, to), most often to office hours on a
// weekday, as help-desk traffic is, and truncates it to the second.
func shape(rng *rand.Rand, t, from, to time.Time) time.Time {
	if wd := t.Weekday(); (wd == time.Saturday || wd == time.Sunday) && rng.IntN(2) == 0 {
		if u := t.AddDate(0, 0, 2); u.Before(to) {
			t = u
		}
	}
	if h := t.Hour(); (h < 8 || h > 18) && rng.IntN(4) != 0 {
		day := t.Truncate(24 * time.Hour)
		u := day.Add(time.Duration(8+rng.IntN(10))*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
		if !u.Before(from) && u.Before(to) {
			t = u
		}
	}
	return t.Truncate(time.Second)
}

// gap returns a duration between lo and hi, log-uniformly distributed: a
// reply within minutes is as common as one within hours or days.
func gap(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	l, h := math.Log(float64(lo)), math.Log(float64(hi))
	return time.Duration(math.Exp(l + rng.Float64()*(h-l)))
}
