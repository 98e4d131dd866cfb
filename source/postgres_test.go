package source

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/jackc/pgx/v5"
)

// pgEveryType creates a table with a column of every type the source maps,
// and rows of tricky values: 1 ordinary, 2 all NULL, 3 edge cases.
func pgEveryType(t testing.TB) (dsn, table string, admin *pgx.Conn) {
	t.Helper()
	dsn, schema, admin := pgAdmin(t)
	table = schema + ".every"
	pgExec(t, admin,
		"CREATE TYPE "+schema+".mood AS ENUM ('happy', 'sad')",
		"CREATE DOMAIN "+schema+".positive AS integer CHECK (VALUE > 0)",
		"CREATE DOMAIN "+schema+".flag AS boolean",
		"CREATE DOMAIN "+schema+".instant AS timestamptz",
		`CREATE TABLE `+table+` (
			id int PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint, o oid,
			f4 real, f8 double precision, n numeric, n38 numeric(38,0), n10 numeric(12,4),
			t text, vc varchar(20), ch char(3), u uuid, e `+schema+`.mood, iv interval, arr int[],
			j json, jb jsonb, by bytea,
			ts timestamp, tsp timestamp(3), tz timestamptz, d date, tm time, tmtz timetz,
			dom `+schema+`.positive, domb `+schema+`.flag, domtz `+schema+`.instant)`,
		`INSERT INTO `+table+` VALUES (1, true, -32768, 2147483647, -9223372036854775808, 4294967295,
			1234567.5, 0.1, 'NaN', 12345678901234567890123456789012345678, 12.5,
			E'a,b;"c"\r\nd é ✓ 日本', '', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '1 day 02:03:04.5', '{1,2,NULL}',
			'{"a": [1, 2],"b":"x"}', '{"b": 1, "a": [1, 2]}', '\x00ff10',
			'2024-03-31 02:30:00', '2024-03-31 02:30:00.125', '2024-03-31 01:00:00.5+00', '2024-03-31', '14:30:00.25', '14:30:00+05:30',
			42, true, '2024-06-01 12:00:00+05:30')`,
		`INSERT INTO `+table+` (id) VALUES (2)`,
		`INSERT INTO `+table+` (id, b, f4, f8, n, t, vc, by, ts, tz, d, domb, domtz) VALUES (3, false,
			'NaN', '-0', '-0.000100', '\.', ' x ', '\x', '-infinity', 'infinity', 'infinity', false,
			'1900-01-01 00:00:00 Europe/Paris')`,
	)
	return dsn, table, admin
}

func TestPostgresTypes(t *testing.T) {
	t.Parallel()
	dsn, table, _ := pgEveryType(t)
	src := open(t, dsn, Options{TimeZone: "Europe/Paris"})
	r := readAll(t, src, facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"})
	if len(r.rows) != 3 {
		t.Fatalf("%d rows, want 3", len(r.rows))
	}
	checkCells(t, r, 0, []cell{
		{"b", facteur.KindBool, "true"},
		{"i2", facteur.KindInt, "-32768"},
		{"i4", facteur.KindInt, "2147483647"},
		{"i8", facteur.KindInt, "-9223372036854775808"},
		{"o", facteur.KindInt, "4294967295"},
		{"f4", facteur.KindFloat, "1.2345675e+06"},
		{"f8", facteur.KindFloat, "0.1"},
		{"n", facteur.KindDecimal, "NaN"},
		{"n38", facteur.KindDecimal, "12345678901234567890123456789012345678"},
		{"n10", facteur.KindDecimal, "12.5000"},
		{"t", facteur.KindText, "a,b;\"c\"\r\nd é ✓ 日本"},
		{"vc", facteur.KindText, ""},
		{"ch", facteur.KindText, "ab "},
		{"u", facteur.KindText, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"e", facteur.KindText, "happy"},
		{"iv", facteur.KindText, "1 day 02:03:04.5"},
		{"arr", facteur.KindText, "{1,2,NULL}"},
		{"j", facteur.KindJSON, `{"a": [1, 2],"b":"x"}`},
		{"jb", facteur.KindJSON, `{"a": [1, 2], "b": 1}`},
		{"by", facteur.KindBytes, "AP8Q"},
		{"ts", facteur.KindDateTime, "2024-03-31T02:30:00"},
		{"tsp", facteur.KindDateTime, "2024-03-31T02:30:00.125"},
		{"tz", facteur.KindTimestamp, "2024-03-31T03:00:00.5+02:00"},
		{"d", facteur.KindDate, "2024-03-31"},
		{"tm", facteur.KindTime, "14:30:00.25"},
		{"tmtz", facteur.KindText, "14:30:00+05:30"},
		{"dom", facteur.KindInt, "42"},
		{"domb", facteur.KindBool, "true"},
		{"domtz", facteur.KindTimestamp, "2024-06-01T08:30:00+02:00"},
	})
	for i, c := range r.cols {
		if c.Name != "id" && r.rows[1][i] != null {
			t.Errorf("row 2 column %s: %q, want NULL", c.Name, r.rows[1][i])
		}
	}
	checkCells(t, r, 2, []cell{
		{"b", facteur.KindBool, "false"},
		{"f4", facteur.KindFloat, "NaN"},
		{"f8", facteur.KindFloat, "-0"},
		{"n", facteur.KindDecimal, "-0.000100"},
		{"t", facteur.KindText, `\.`},
		{"vc", facteur.KindText, " x "},
		{"by", facteur.KindBytes, ""},
		{"ts", facteur.KindDateTime, "-infinity"},
		{"tz", facteur.KindTimestamp, "infinity"},
		{"d", facteur.KindDate, "infinity"},
		{"domb", facteur.KindBool, "false"},
		{"domtz", facteur.KindTimestamp, "1900-01-01T00:00:00+00:09:21"},
	})
	// PostgreSQL describes a domain column by its base type.
	if got := r.cols[r.column(t, "dom")].DBType; got != "integer" {
		t.Errorf("DBType of a domain over integer = %q", got)
	}
	if got := r.cols[r.column(t, "e")].DBType; !strings.HasSuffix(got, "mood") {
		t.Errorf("DBType of an enum column = %q, want its name", got)
	}
	if got := r.cols[r.column(t, "arr")].DBType; got != "integer[]" {
		t.Errorf("DBType of an int[] column = %q", got)
	}
	if got := r.cols[r.column(t, "tz")].DBType; got != "timestamp with time zone" {
		t.Errorf("DBType of timestamptz = %q", got)
	}
}

func TestPostgresTable(t *testing.T) {
	t.Parallel()
	dsn, schema, admin := pgAdmin(t)
	pgExec(t, admin, `CREATE TABLE `+schema+`."Odd ""name"".x" (a int)`, `INSERT INTO `+schema+`."Odd ""name"".x" VALUES (7)`)
	src := open(t, dsn, Options{})
	// A dot inside a name cannot be written: the name is split on dots.
	wantCode(t, queryErr(src, facteur.Query{Table: schema + `.Odd "name".x`}), facteur.EINVALID, "table:")
	pgExec(t, admin, `ALTER TABLE `+schema+`."Odd ""name"".x" RENAME TO "Odd ""name"""`)
	r := readAll(t, src, facteur.Query{Table: schema + `.Odd "name"`})
	if len(r.rows) != 1 || r.rows[0][0] != "7" {
		t.Errorf("rows %v, want [[7]]", r.rows)
	}
	wantCode(t, queryErr(src, facteur.Query{Table: schema + ".nope"}), facteur.EINVALID, "table:", "nope", "does not exist")
}

func TestPostgresReadOnly(t *testing.T) {
	t.Parallel()
	dsn, schema, admin := pgAdmin(t)
	table := schema + ".kept"
	pgExec(t, admin, "CREATE TABLE "+table+" (a int)", "INSERT INTO "+table+" VALUES (1), (2)")
	src := open(t, dsn, Options{})
	for _, sql := range []string{
		"INSERT INTO " + table + " VALUES (3) RETURNING a",
		"DELETE FROM " + table + " RETURNING a",
		"WITH d AS (DELETE FROM " + table + " RETURNING a) SELECT * FROM d",
		"UPDATE " + table + " SET a = 0 RETURNING a",
	} {
		err := queryErr(src, facteur.Query{SQL: sql})
		wantCode(t, err, facteur.EINVALID, "sql: give a query")
	}
	// What the statement check lets through, the read-only transaction stops.
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT * FROM " + table + " FOR UPDATE"}), facteur.EINVALID, "sql:", "read-only transaction")
	for _, sql := range []string{"DROP TABLE " + table, "COMMIT; DELETE FROM " + table} {
		if err := queryErr(src, facteur.Query{SQL: sql}); facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("%s: %v, want EINVALID", sql, err)
		}
	}
	if r := readAll(t, src, facteur.Query{Table: table}); len(r.rows) != 2 {
		t.Errorf("the table has %d rows after the attempts, want 2", len(r.rows))
	}
}

func TestPostgresTimeout(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	src := open(t, dsn, Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	err := queryErr(src, facteur.Query{SQL: "SELECT pg_sleep(10)"})
	wantCode(t, err, facteur.EINVALID, "timeout (300ms)")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the query ran %v despite its 300ms timeout", d)
	}
	// Query.Timeout wins over Options.Timeout.
	if r := readAll(t, src, facteur.Query{SQL: "SELECT pg_sleep(0.5)::text AS s", Timeout: 5 * time.Second}); len(r.rows) != 1 {
		t.Errorf("rows %v", r.rows)
	}
	// The caller cancelling is not a timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	rows, err := src.Query(ctx, facteur.Query{SQL: "SELECT pg_sleep(10)"})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	wantCode(t, err, facteur.ECANCELLED)
}

func TestPostgresErrors(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	ctx := context.Background()

	bad := open(t, "postgres://facteur_no_such_user:Sup3rSecret@127.0.0.1:5432/test?sslmode=disable", Options{})
	err := bad.Ping(ctx)
	wantCode(t, err, facteur.EUNAUTHORIZED, "Connection refused by the database: check the user name and password.")
	if strings.Contains(err.Error(), "Sup3rSecret") {
		t.Errorf("the error shows the password: %v", err)
	}
	_, err = bad.Query(ctx, facteur.Query{SQL: "SELECT 1"})
	wantCode(t, err, facteur.EUNAUTHORIZED)

	down := open(t, "postgres://u:Sup3rSecret@127.0.0.1:1/test?sslmode=disable", Options{})
	err = down.Ping(ctx)
	wantCode(t, err, facteur.EUNAVAILABLE, "Cannot reach the database server")
	if strings.Contains(err.Error(), "Sup3rSecret") {
		t.Errorf("the error shows the password: %v", err)
	}

	src := open(t, dsn, Options{})
	if err := src.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT * FROM facteur_no_such_table"}), facteur.EINVALID,
		`sql: relation "facteur_no_such_table" does not exist`)
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT 1 +"}), facteur.EINVALID, "sql:", "syntax error")
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT 1/0"}), facteur.EINVALID, "sql: division by zero")
	wantCode(t, queryErr(src, facteur.Query{SQL: "SET search_path = public"}), facteur.EINVALID, "sql: give a query")
	// An error after some rows have streamed ends the stream with it.
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT 10 / (3 - g) FROM generate_series(1, 5) g"}), facteur.EINVALID, "division by zero")
}

func TestPostgresDescribe(t *testing.T) {
	t.Parallel()
	dsn, table, _ := pgEveryType(t)
	src := open(t, dsn, Options{})
	start := time.Now()
	cols, err := Describe(context.Background(), src, facteur.Query{SQL: "SELECT pg_sleep(30)::text AS slept, b, tz, by FROM " + table})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Describe ran the query (%v)", d)
	}
	want := []facteur.Column{
		{Name: "slept", Kind: facteur.KindText, DBType: "text"},
		{Name: "b", Kind: facteur.KindBool, DBType: "boolean"},
		{Name: "tz", Kind: facteur.KindTimestamp, DBType: "timestamp with time zone"},
		{Name: "by", Kind: facteur.KindBytes, DBType: "bytea"},
	}
	if len(cols) != len(want) {
		t.Fatalf("columns %v, want %v", cols, want)
	}
	for i := range want {
		if cols[i] != want[i] {
			t.Errorf("column %d = %+v, want %+v", i, cols[i], want[i])
		}
	}
}

// TestPostgresTimestampText checks the Go conversion of timestamps against
// to_json, which is what CopyCSV uses, in zones with odd offsets.
func TestPostgresTimestampText(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	sql := `SELECT x, pg_catalog.to_json(x) #>> '{}' AS j, x::timestamp AS y, pg_catalog.to_json(x::timestamp) #>> '{}' AS k
		FROM unnest(ARRAY['2024-03-31 00:59:59.999999+00', '2024-03-31 01:00:00.5+00', '2024-10-27 00:30:00.010+00',
		'2024-10-27 01:30:00+00', '1900-01-01 00:00:00+00', '1850-06-01 12:00:00+00', '0044-03-15 12:00:00+00 BC',
		'12024-01-01 00:00:00+00', 'infinity', '-infinity', '2000-02-29 23:59:59.123456+00']::timestamptz[]) AS x`
	for _, zone := range []string{"UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Australia/Lord_Howe", "Africa/Monrovia"} {
		src := open(t, dsn, Options{TimeZone: zone})
		r := readAll(t, src, facteur.Query{SQL: sql})
		for _, row := range r.rows {
			if row[0] != row[1] || row[2] != row[3] {
				t.Errorf("%s: timestamptz %q vs to_json %q; timestamp %q vs to_json %q", zone, row[0], row[1], row[2], row[3])
			}
		}
	}
}

// TestPostgresBinaryMatchesText reads booleans, integers, dates and
// timestamps in binary format (as every query does) next to the same
// values cast to text, and checks that Facteur writes the text PostgreSQL
// prints: random instants from 4713 BC to 294276 AD and many around the
// transitions of 1850-2100, in zones with odd and negative offsets.
func TestPostgresBinaryMatchesText(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	rng := rand.New(rand.NewPCG(3, 4))
	const day = int64(86_400_000_000)
	lo, hi := -6700*365*day, 290_000*365*day // most of PostgreSQL's range, in µs from 2000
	var us, days []string
	for i := range 3000 {
		var v int64
		switch {
		case i < 250:
			v = -rng.Int64N(-lo)
		case i < 500:
			v = rng.Int64N(hi)
		case i < 2900:
			v = -150*365*day + rng.Int64N(250*365*day) // 1850-2100
		default:
			v = rng.Int64N(day) - day/2 // around the epoch, odd fractions
		}
		if i%3 == 0 {
			v -= v % 1_000_000 // whole seconds too
		}
		us = append(us, strconv.FormatInt(v, 10))
		days = append(days, strconv.FormatInt(v/day, 10))
	}
	for _, e := range []time.Time{ // the years around 1 BC, a lone microsecond, a leap day
		time.Date(0, 12, 31, 23, 59, 59, 999_999_000, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(0, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 31, 1, 0, 0, 1000, time.UTC), time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
	} {
		v := (e.Unix()-946_684_800)*1_000_000 + int64(e.Nanosecond()/1000)
		us = append(us, strconv.FormatInt(v, 10))
		days = append(days, strconv.FormatInt(v/day, 10))
	}
	sql := `SELECT x, x::text, x::timestamp, x::timestamp::text, d, d::text
		FROM unnest(ARRAY[` + strings.Join(us, ",") + `]::bigint[], ARRAY[` + strings.Join(days, ",") + `]::int[]) AS v(us, n),
		LATERAL (SELECT timestamptz '2000-01-01 00:00:00+00' + v.us * interval '1 microsecond' AS x,
			date '2000-01-01' + v.n AS d) AS c
		UNION ALL SELECT 'infinity', 'infinity', 'infinity', 'infinity', 'infinity', 'infinity'
		UNION ALL SELECT '-infinity', '-infinity', '-infinity', '-infinity', '-infinity', '-infinity'`
	for _, zone := range []string{"UTC", "Europe/Paris", "Europe/Dublin", "America/St_Johns", "America/Sao_Paulo",
		"Asia/Kolkata", "Asia/Tehran", "Pacific/Chatham", "Australia/Lord_Howe", "Africa/Casablanca", "Pacific/Kiritimati"} {
		r := readAll(t, open(t, dsn, Options{TimeZone: zone}), facteur.Query{SQL: sql})
		if len(r.rows) != len(us)+2 {
			t.Fatalf("%s: %d rows, want %d", zone, len(r.rows), len(us)+2)
		}
		bad := 0
		for _, row := range r.rows {
			tz := string(appendPgTimestamp(nil, []byte(row[1]), true))
			ts := string(appendPgTimestamp(nil, []byte(row[3]), false))
			if (row[0] != tz || row[2] != ts || row[4] != row[5]) && bad < 5 {
				bad++
				t.Errorf("%s: binary %q, %q, %q; text %q, %q, %q", zone, row[0], row[2], row[4], tz, ts, row[5])
			}
		}
	}
	src := open(t, dsn, Options{})
	for _, sql := range []string{
		"SELECT v, v::text FROM unnest(ARRAY[true, false]) AS v",
		"SELECT v, v::text FROM unnest(ARRAY[0, 1, -1, 32767, -32768]::int2[]) AS v",
		"SELECT v, v::text FROM unnest(ARRAY[0, -1, 2147483647, -2147483648]::int4[]) AS v",
		"SELECT v, v::text FROM unnest(ARRAY[0, -1, 9223372036854775807, -9223372036854775808]::int8[]) AS v",
	} {
		for _, row := range readAll(t, src, facteur.Query{SQL: sql}).rows {
			if row[0] != row[1] {
				t.Errorf("%s: binary %q, text %q", sql, row[0], row[1])
			}
		}
	}
}

// TestPostgresFloatText checks appendFloat, which renders MySQL and SQLite
// floats, against PostgreSQL's own float8 and float4 output.
func TestPostgresFloatText(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	src := open(t, dsn, Options{})
	values := []float64{0.1, 1e15, 1e16, 1234567.5, 1e-5, 123e-7, math.Copysign(0, -1), 1e100, 0, 1e-4, 999999999999999,
		123456, 1e6, 5e-324, math.MaxFloat64, -2.2250738585072014e-308, 0.30000000000000004, 9007199254740993, 100, 1.5e300}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, math.Float64frombits(rng.Uint64()&^(0x7ff<<52)|uint64(rng.IntN(0x7fe)+1)<<52))
		values = append(values, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
		values = append(values, float64(rng.Int64N(1<<62)))
	}
	var lits4, lits8 []string
	for _, v := range values {
		lits8 = append(lits8, strconv.FormatFloat(v, 'g', -1, 64))
		if f32 := float32(v); !math.IsInf(float64(f32), 0) {
			lits4 = append(lits4, strconv.FormatFloat(float64(f32), 'g', -1, 32))
		}
	}
	for range 5000 {
		f32 := math.Float32frombits(rng.Uint32()&^(0xff<<23) | uint32(rng.IntN(0xfe)+1)<<23)
		lits4 = append(lits4, strconv.FormatFloat(float64(f32), 'g', -1, 32))
	}
	check := func(typ string, lits []string, bits int) {
		r := readAll(t, src, facteur.Query{SQL: "SELECT x::" + typ + "::text, x FROM unnest('{" + strings.Join(lits, ",") + "}'::" + typ + "[]) x"})
		for i, row := range r.rows {
			f, _ := strconv.ParseFloat(lits[i], bits)
			if got := string(appendFloat(nil, f, bits)); got != row[0] || row[1] != row[0] {
				t.Errorf("%s %s: PostgreSQL prints %q (streamed %q), appendFloat %q", typ, lits[i], row[0], row[1], got)
			}
		}
	}
	check("float8", lits8, 64)
	check("float4", lits4, 32)
}

func TestPostgresEarlyClose(t *testing.T) {
	t.Parallel()
	dsn := pgDSN(t)
	src := open(t, dsn, Options{})
	rows, err := src.Query(context.Background(), facteur.Query{SQL: "SELECT g, repeat('x', 100) FROM generate_series(1, 5000000) g"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10 && rows.Next(); i++ {
	}
	start := time.Now()
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v: it read the rest of the result", d)
	}
	if rows.Next() {
		t.Error("Next after Close returned true")
	}
}
