package source

import (
	"math"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		bits int
		want string
	}{
		{0.1, 64, "0.1"},
		{1e15, 64, "1e+15"},
		{1e16, 64, "1e+16"},
		{999999999999999, 64, "999999999999999"},
		{1234567.5, 64, "1234567.5"},
		{1e-5, 64, "1e-05"},
		{123e-7, 64, "1.23e-05"},
		{1e-4, 64, "0.0001"},
		{math.Copysign(0, -1), 64, "-0"},
		{0, 64, "0"},
		{1e100, 64, "1e+100"},
		{-2.5e-300, 64, "-2.5e-300"},
		{0.30000000000000004, 64, "0.30000000000000004"},
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "Infinity"},
		{math.Inf(-1), 64, "-Infinity"},
		{float64(float32(1234567.5)), 32, "1.2345675e+06"},
		{float64(float32(123456)), 32, "123456"},
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(1e-5)), 32, "1e-05"},
		{-111171584, 32, "-1.11171584e+08"}, // Go's shortest, 1.1117158e+08, is halfway to the next float32
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.f, tt.bits)); got != tt.want {
			t.Errorf("appendFloat(%v, %d) = %q, want %q", tt.f, tt.bits, got, tt.want)
		}
	}
}

func TestAppendDateTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2024-01-01", "2024-01-01", true},
		{"2024-01-01 10:00:00", "2024-01-01T10:00:00", true},
		{"2024-01-01T10:00", "2024-01-01T10:00:00", true},
		{"2024-01-01 10:00:00.000", "2024-01-01T10:00:00", true},
		{"2024-01-01 10:00:00.250000", "2024-01-01T10:00:00.25", true},
		{"2024-01-01 10:00:00+02:00", "2024-01-01T10:00:00+02:00", true},
		{"2024-01-01T10:00:00.5-05:30", "2024-01-01T10:00:00.5-05:30", true},
		{"2024-01-01 10:00:00Z", "2024-01-01T10:00:00+00:00", true},
		{"2024-01-01 10:00:00+0200", "2024-01-01T10:00:00+02:00", true},
		{"0000-00-00 00:00:00", "0000-00-00T00:00:00", true},
		{"yesterday", "", false},
		{"2024-01-01 noon", "", false},
		{"2024-01-01 10:00:00+2", "", false},
		{"2024/01/01", "", false},
	}
	for _, tt := range tests {
		got, ok := appendDateTime([]byte("x"), []byte(tt.in))
		if ok != tt.ok || (ok && string(got) != "x"+tt.want) || (!ok && string(got) != "x") {
			t.Errorf("appendDateTime(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAppendClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"14:30", "14:30:00", true},
		{"14:30:00", "14:30:00", true},
		{"14:30:00.250000", "14:30:00.25", true},
		{"14:30:00.000", "14:30:00", true},
		{"-838:59:59.000000", "-838:59:59", true},
		{"100:00:00", "100:00:00", true},
		{"4:30", "", false},
		{"14:30:0", "", false},
		{"14h30", "", false},
	}
	for _, tt := range tests {
		got, ok := appendClock(nil, []byte(tt.in))
		if ok != tt.ok || (ok && string(got) != tt.want) {
			t.Errorf("appendClock(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAppendPgTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		withZone bool
		want     string
	}{
		{"2024-03-31 03:00:00.5+02", true, "2024-03-31T03:00:00.5+02:00"},
		{"2024-03-31 03:00:00+05:30", true, "2024-03-31T03:00:00+05:30"},
		{"1900-01-01 00:00:00+00:09:21", true, "1900-01-01T00:00:00+00:09:21"},
		{"2024-01-01 00:00:00-03:30", true, "2024-01-01T00:00:00-03:30"},
		{"2024-01-01 00:00:00-10", true, "2024-01-01T00:00:00-10:00"},
		{"0044-03-15 12:09:21+00:09:21 BC", true, "0044-03-15T12:09:21+00:09:21 BC"},
		{"0044-03-15 12:00:00+00 BC", true, "0044-03-15T12:00:00+00:00 BC"},
		{"infinity", true, "infinity"},
		{"-infinity", true, "-infinity"},
		{"2024-03-31 02:30:00", false, "2024-03-31T02:30:00"},
		{"0044-03-15 12:00:00 BC", false, "0044-03-15T12:00:00 BC"},
		{"10000-01-01 00:00:00", false, "10000-01-01T00:00:00"},
	}
	for _, tt := range tests {
		if got := string(appendPgTimestamp(nil, []byte(tt.in), tt.withZone)); got != tt.want {
			t.Errorf("appendPgTimestamp(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendOffset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		off  int
		want string
	}{
		{0, "+00:00"}, {7200, "+02:00"}, {19800, "+05:30"}, {-12600, "-03:30"}, {561, "+00:09:21"}, {-50400, "-14:00"},
	}
	for _, tt := range tests {
		if got := string(appendOffset(nil, tt.off)); got != tt.want {
			t.Errorf("appendOffset(%d) = %q, want %q", tt.off, got, tt.want)
		}
	}
}

func TestParseMySQLDateTime(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	plus2 := time.FixedZone("", 7200)
	tests := []struct {
		in   string
		loc  *time.Location
		want string // in Europe/Paris, or "" when it does not parse
	}{
		{"2024-03-31 03:00:00.500000", plus2, "2024-03-31T03:00:00.5+02:00"},
		{"2024-01-15 12:00:00", plus2, "2024-01-15T11:00:00+01:00"},
		{"2024-10-27 00:30:00", time.UTC, "2024-10-27T02:30:00+02:00"},
		{"2024-10-27 01:30:00", time.UTC, "2024-10-27T02:30:00+01:00"},
		{"0000-00-00 00:00:00", time.UTC, ""},
		{"2024-01-01", time.UTC, ""},
	}
	for _, tt := range tests {
		ts, ok := parseMySQLDateTime([]byte(tt.in), tt.loc)
		got := ""
		if ok {
			got = string(appendInstant(nil, ts, paris))
		}
		if got != tt.want {
			t.Errorf("parseMySQLDateTime(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSQLiteKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		decl string
		want facteur.Kind
	}{
		{"INTEGER", facteur.KindInt}, {"bigint", facteur.KindInt}, {"UNSIGNED BIG INT", facteur.KindInt},
		{"TEXT", facteur.KindText}, {"VARCHAR(20)", facteur.KindText}, {"NATIVE CHARACTER(70)", facteur.KindText},
		{"BLOB", facteur.KindBytes}, {"REAL", facteur.KindFloat}, {"DOUBLE PRECISION", facteur.KindFloat},
		{"FLOAT", facteur.KindFloat}, {"NUMERIC", facteur.KindDecimal}, {"DECIMAL(10,5)", facteur.KindDecimal},
		{"BOOLEAN", facteur.KindBool}, {"DATE", facteur.KindDate}, {"DATETIME", facteur.KindDateTime},
		{"TIMESTAMP", facteur.KindDateTime}, {"time", facteur.KindTime}, {"JSON", facteur.KindJSON},
		{"", facteur.KindText}, {"UUID", facteur.KindText},
	}
	for _, tt := range tests {
		if got := sqliteKind(tt.decl); got != tt.want {
			t.Errorf("sqliteKind(%q) = %v, want %v", tt.decl, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q     facteur.Query
		d     dialect
		want  string
		field string // of the error, "" for none
	}{
		{facteur.Query{SQL: "SELECT 1;\n"}, sqliteDialect, "SELECT 1", ""},
		{facteur.Query{Table: "orders"}, sqliteDialect, `SELECT * FROM "orders"`, ""},
		{facteur.Query{Table: "sales.orders"}, sqliteDialect, `SELECT * FROM "sales"."orders"`, ""},
		{facteur.Query{Table: `we"ird.t`}, sqliteDialect, `SELECT * FROM "we""ird"."t"`, ""},
		{facteur.Query{Table: "sales.orders"}, mysqlDialect, "SELECT * FROM `sales`.`orders`", ""},
		{facteur.Query{Table: "a`b"}, mysqlDialect, "SELECT * FROM `a``b`", ""},
		{facteur.Query{Table: ".orders"}, sqliteDialect, "", "table"},
		{facteur.Query{Table: "sales."}, sqliteDialect, "", "table"},
		{facteur.Query{Table: "a.b.c"}, sqliteDialect, "", "table"},
		{facteur.Query{}, sqliteDialect, "", "sql"},
		{facteur.Query{SQL: "SELECT 1", Table: "t"}, sqliteDialect, "", "table"},
		{facteur.Query{SQL: "SELECT 1", Timeout: -1}, sqliteDialect, "", "timeout"},
	}
	for _, tt := range tests {
		st, err := resolve(tt.q, tt.d, Options{Timeout: time.Minute}, false)
		if tt.field != "" {
			if facteur.ErrorCode(err) != facteur.EINVALID || !startsWith(facteur.ErrorMessage(err), tt.field+":") {
				t.Errorf("resolve(%+v) error %v, want EINVALID naming %s", tt.q, err, tt.field)
			}
			continue
		}
		if err != nil || st.sql != tt.want {
			t.Errorf("resolve(%+v) = %q, %v; want %q", tt.q, st.sql, err, tt.want)
		}
	}
}

func startsWith(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }
