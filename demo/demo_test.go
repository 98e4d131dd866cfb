package demo_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/demo"

	_ "modernc.org/sqlite"
)

// generate makes a demo database in a temporary directory and returns its
// path and stats.
func generate(t *testing.T, seed int64) (string, demo.Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	start := time.Now()
	stats, err := demo.Generate(t.Context(), path, seed)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	t.Logf("Generate(seed %d): %+v, %d rows in %v", seed, stats, stats.Total(), time.Since(start).Round(time.Millisecond))
	return path, stats
}

// open opens a demo database read-only.
func open(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro"}).String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a query that returns one number.
func count(t *testing.T, db *sql.DB, query string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// dump returns the SHA-256 of every row of every table, in id order.
func dump(t *testing.T, path string) string {
	t.Helper()
	db := open(t, path)
	h := sha256.New()
	for _, table := range []string{"agents", "customers", "tickets", "messages"} {
		rows, err := db.QueryContext(t.Context(), "SELECT * FROM "+table+" ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintf(h, "table %s %q\n", table, cols)
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(h, "%T:%q\x1f", v, fmt.Sprint(v))
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	path, stats := generate(t, 42)
	db := open(t, path)

	t.Run("Counts", func(t *testing.T) {
		want := demo.Stats{
			Agents:    count(t, db, "SELECT COUNT(*) FROM agents"),
			Customers: count(t, db, "SELECT COUNT(*) FROM customers"),
			Tickets:   count(t, db, "SELECT COUNT(*) FROM tickets"),
			Messages:  count(t, db, "SELECT COUNT(*) FROM messages"),
		}
		if stats != want {
			t.Errorf("Stats = %+v, but the tables hold %+v", stats, want)
		}
		if want.Agents != 40 || want.Customers != 20_000 || want.Tickets != 40_000 || want.Messages < 100_000 || want.Total() < 150_000 {
			t.Errorf("rows %+v: want 40 agents, 20,000 customers, 40,000 tickets, 100,000+ messages, 150,000+ in all", want)
		}
	})

	t.Run("ReferentialIntegrity", func(t *testing.T) {
		for _, q := range []string{
			"SELECT COUNT(*) FROM pragma_foreign_key_check",
			"SELECT COUNT(*) FROM tickets WHERE customer_id NOT IN (SELECT id FROM customers)",
			"SELECT COUNT(*) FROM tickets WHERE agent_id IS NOT NULL AND agent_id NOT IN (SELECT id FROM agents)",
			"SELECT COUNT(*) FROM messages WHERE ticket_id NOT IN (SELECT id FROM tickets)",
			"SELECT COUNT(*) FROM tickets WHERE id NOT IN (SELECT ticket_id FROM messages)",
			"SELECT COUNT(*) FROM tickets WHERE agent_id IS NULL AND status <> 'open'",
			"SELECT COUNT(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.author = 'agent' AND t.agent_id IS NULL",
		} {
			if n := count(t, db, q); n != 0 {
				t.Errorf("%s = %d, want 0", q, n)
			}
		}
	})

	t.Run("Times", func(t *testing.T) {
		end := demo.ReferenceEnd()
		lo, hi := end.AddDate(-2, 0, -1).Format(time.DateTime), end.Format(time.DateTime)
		iso := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
		for _, col := range []string{"customers.created_at", "tickets.created_at", "tickets.updated_at", "tickets.solved_at", "messages.created_at"} {
			table, column, _ := strings.Cut(col, ".")
			// CAST: the driver turns DATETIME columns into time.Time; the
			// test checks the stored text.
			rows, err := db.QueryContext(t.Context(), "SELECT typeof("+column+") || ' ' || CAST("+column+" AS TEXT) FROM "+table+" WHERE "+column+" IS NOT NULL")
			if err != nil {
				t.Fatal(err)
			}
			bad := 0
			for rows.Next() {
				var s string
				rows.Scan(&s)
				typ, s, _ := strings.Cut(s, " ")
				if typ != "text" || !iso.MatchString(s) || s < lo || s >= hi {
					if bad++; bad < 3 {
						t.Errorf("%s = %s %q: want text \"2006-01-02 15:04:05\" in UTC within the two years before %s", col, typ, s, hi)
					}
				}
			}
			rows.Close()
		}
		for _, q := range []string{
			"SELECT COUNT(*) FROM tickets WHERE updated_at < created_at",
			"SELECT COUNT(*) FROM tickets WHERE (solved_at IS NULL) <> (status IN ('open', 'pending'))",
			"SELECT COUNT(*) FROM tickets WHERE solved_at < created_at OR solved_at > updated_at",
			"SELECT COUNT(*) FROM tickets WHERE satisfaction IS NOT NULL AND (satisfaction NOT BETWEEN 1 AND 5 OR status IN ('open', 'pending'))",
			"SELECT COUNT(*) FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE t.created_at < c.created_at",
			"SELECT COUNT(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.created_at < t.created_at OR m.created_at > t.updated_at",
			"SELECT COUNT(*) FROM tickets t WHERE created_at <> (SELECT MIN(created_at) FROM messages WHERE ticket_id = t.id)",
			"SELECT COUNT(*) FROM agents WHERE hired_on NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' OR active NOT IN (0, 1)",
		} {
			if n := count(t, db, q); n != 0 {
				t.Errorf("%s = %d, want 0", q, n)
			}
		}
	})

	t.Run("Variety", func(t *testing.T) {
		for _, q := range []string{
			"SELECT COUNT(DISTINCT status) = 4 FROM tickets",
			"SELECT COUNT(DISTINCT channel) = 4 FROM tickets",
			"SELECT COUNT(DISTINCT priority) = 4 FROM tickets",
			"SELECT COUNT(DISTINCT team) >= 4 FROM agents",
			"SELECT COUNT(DISTINCT country) >= 10 FROM customers",
			"SELECT COUNT(DISTINCT satisfaction) = 5 FROM tickets",
			"SELECT COUNT(*) > 0 FROM agents WHERE active = 0",
			"SELECT COUNT(*) > 0 FROM tickets WHERE agent_id IS NULL",
			"SELECT COUNT(*) > 0 FROM customers WHERE phone IS NULL",
			"SELECT COUNT(*) > 0 FROM customers WHERE company LIKE '%,%'",
			"SELECT COUNT(*) > 100 FROM customers WHERE first_name LIKE '%é%' OR last_name LIKE '%é%'",
			"SELECT COUNT(*) > 0 FROM customers WHERE first_name || last_name LIKE '%Ł%'",
			"SELECT COUNT(*) > 0 FROM customers WHERE last_name = 'Nguyễn'",
			"SELECT COUNT(*) > 0 FROM customers WHERE last_name = 'O''Brien'",
			"SELECT COUNT(*) > 0 FROM customers WHERE first_name = 'Søren'",
			"SELECT COUNT(*) > 1000 FROM messages WHERE body LIKE '%' || char(10) || '%'",
			"SELECT COUNT(*) > 1000 FROM messages WHERE body LIKE '%\"%'",
			"SELECT COUNT(*) > 1000 FROM messages WHERE body LIKE '%,%'",
			"SELECT COUNT(*) > 1000 FROM messages WHERE body LIKE '%é%'",
			"SELECT COUNT(DISTINCT body) > 10000 FROM messages",
			"SELECT COUNT(DISTINCT subject) > 1000 FROM tickets",
		} {
			if n := count(t, db, q); n != 1 {
				t.Errorf("want true: %s", q)
			}
		}
	})

	t.Run("Contacts", func(t *testing.T) {
		email := regexp.MustCompile(`^[a-z0-9._-]+@example\.(com|org|net)$`)
		phone := regexp.MustCompile(`^(\+33 [1-9] (99 00|61 91|53 01|65 71|36 49|39 98|75 10) \d\d \d\d|\+1 \d{3}-555-01\d\d|\+44 (7700 900\d{3}|20 7946 0\d{3}|161 496 0\d{3}))$`)
		rows, err := db.QueryContext(t.Context(), "SELECT email, phone FROM customers UNION ALL SELECT email, phone FROM agents")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := map[string]bool{}
		for rows.Next() {
			var e string
			var p sql.NullString
			rows.Scan(&e, &p)
			if !email.MatchString(e) || seen[e] {
				t.Errorf("e-mail %q: want a unique ASCII address at example.com, .org or .net", e)
			}
			seen[e] = true
			if p.Valid && !phone.MatchString(p.String) {
				t.Errorf("phone %q: want a number from a range reserved for fiction", p.String)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM customers WHERE email LIKE 'zoe%' OR email LIKE '%.zoe%'"); n == 0 {
			t.Error("no address derived from Zoé: names should be folded to ASCII")
		}
	})

	// The same seed gives the same data; another seed, other data.
	t.Run("Deterministic", func(t *testing.T) {
		t.Parallel()
		again, _ := generate(t, 42)
		other, _ := generate(t, 43)
		want, got, diff := dump(t, path), dump(t, again), dump(t, other)
		if got != want {
			t.Errorf("two databases from seed 42 differ: dump SHA-256 %s and %s", want, got)
		}
		if diff == want {
			t.Error("seeds 42 and 43 gave the same data")
		}
		a, _ := os.ReadFile(path)
		b, _ := os.ReadFile(again)
		t.Logf("dump SHA-256 %s; database files byte-identical: %v", want, string(a) == string(b))
	})

	t.Run("Reports", func(t *testing.T) {
		wantRows := map[string]int{"tickets": 40_000, "agents_activity": 40}
		wantSensitive := map[string]string{
			"tickets":         "customer_name customer_email customer_phone agent_name",
			"agents_activity": "agent_name agent_email",
		}
		for _, r := range demo.Reports() {
			r.SourceID = 1
			if err := r.Validate(); err != nil {
				t.Errorf("report %s: %v", r.Name, err)
			}
			var want, sensitive []string
			for _, f := range r.Fields {
				want = append(want, f.Name)
				if f.Sensitive {
					sensitive = append(sensitive, f.Name)
				}
			}
			if got := strings.Join(sensitive, " "); got != wantSensitive[r.Name] {
				t.Errorf("report %s: sensitive fields %q, want %q", r.Name, got, wantSensitive[r.Name])
			}
			rows, err := db.QueryContext(t.Context(), r.SQL)
			if err != nil {
				t.Fatalf("report %s: %v", r.Name, err)
			}
			cols, _ := rows.Columns()
			if strings.Join(cols, ",") != strings.Join(want, ",") {
				t.Errorf("report %s returns columns %v, want %v", r.Name, cols, want)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n != wantRows[r.Name] {
				t.Errorf("report %s: %d rows, want %d", r.Name, n, wantRows[r.Name])
			}
		}
		// A period filter wraps the report's query and filters on its
		// columns (PRODUCT A5).
		tickets := demo.Reports()[0]
		q := "SELECT COUNT(*) FROM (" + tickets.SQL + ") WHERE " + tickets.CreatedColumn + " >= '2025-12-01' AND " + tickets.UpdatedColumn + " < '2026-01-01'"
		if n := count(t, db, q); n == 0 || n == 40_000 {
			t.Errorf("tickets of December 2025: %d; want some, not all", n)
		}
		var avg sql.NullFloat64
		var handled, solved int64
		err := db.QueryRowContext(t.Context(), "SELECT avg_satisfaction, tickets_handled, tickets_solved FROM ("+demo.Reports()[1].SQL+") LIMIT 1").Scan(&avg, &handled, &solved)
		if err != nil {
			t.Fatal(err)
		}
		if !avg.Valid || avg.Float64 < 1 || avg.Float64 > 5 || math.Round(avg.Float64*100)/100 != avg.Float64 || handled < solved || handled == 0 {
			t.Errorf("first agent: avg_satisfaction %v, handled %d, solved %d", avg, handled, solved)
		}
	})
}

func TestGenerateUntil(t *testing.T) {
	t.Parallel()
	end := time.Date(2024, 3, 31, 1, 30, 0, 0, time.FixedZone("CET", 3600))
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.GenerateUntil(t.Context(), path, 1, end); err != nil {
		t.Fatal(err)
	}
	db := open(t, path)
	var first, last string
	if err := db.QueryRowContext(t.Context(), "SELECT MIN(created_at), MAX(updated_at) FROM tickets").Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if last >= "2024-03-31 00:30:00" || first < "2022-03-31" {
		t.Errorf("tickets from %s to %s; want the two years before 2024-03-31 00:30:00 UTC", first, last)
	}
}

func TestGenerateBadPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := demo.Generate(t.Context(), existing, 1)
	if facteur.ErrorCode(err) != facteur.ECONFLICT {
		t.Errorf("existing file: error %v, want code %q", err, facteur.ECONFLICT)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("existing file was changed to %q", b)
	}
	_, err = demo.Generate(t.Context(), filepath.Join(dir, "missing", "demo.db"), 1)
	if facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("missing directory: error %v, want code %q", err, facteur.EINVALID)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cancelled := filepath.Join(dir, "cancelled.db")
	if _, err := demo.Generate(ctx, cancelled, 1); err == nil {
		t.Error("Generate with a cancelled context succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after failures the directory holds %d files, want only exists.db", len(entries))
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "demo.db")
		if _, err := demo.Generate(b.Context(), path, 1); err != nil {
			b.Fatal(err)
		}
	}
}
