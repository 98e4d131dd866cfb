package source

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// myEveryType creates a table with a column of every type the source maps,
// and rows of tricky values: 1 ordinary, 2 all NULL, 3 edge cases.
func myEveryType(t testing.TB) (dsn, table string) {
	t.Helper()
	table = "facteur_src_every_" + suffix(t)
	dsn, admin := myAdmin(t, table)
	myExec(t, admin,
		"SET SESSION time_zone = '+00:00'",
		`CREATE TABLE `+table+` (
			id INT PRIMARY KEY, ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT, ubi BIGINT UNSIGNED, y YEAR,
			bo BOOLEAN, bt BIT(1), b10 BIT(10),
			de DECIMAL(10,2), d65 DECIMAL(65,30), d38 DECIMAL(38,0), f FLOAT, d DOUBLE,
			dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, da DATE, tm TIME, tm6 TIME(6),
			bl BLOB, bn BINARY(3), vb VARBINARY(10),
			j JSON, tx TEXT, vc VARCHAR(50), ch CHAR(3), en ENUM('a','b'), st SET('x','y')
		) DEFAULT CHARSET utf8mb4`,
		`INSERT INTO `+table+` VALUES (1, -128, -32768, 8388607, 2147483647, -9223372036854775808, 18446744073709551615, 2024,
			TRUE, b'1', b'1000000001',
			12.50, '12345678901234567890123456789012345.123456789012345678901234567890', '12345678901234567890123456789012345678', 0.1, 0.1,
			'2024-03-31 02:30:00', '2024-03-31 02:30:00.125', '2024-03-31 01:00:00.5', '2024-03-31', '14:30:00', '14:30:00.25',
			x'00FF10', 'ab', x'',
			'{"a": [1, 2],"b":"x"}', 'a,b;"c"\r\nd é ✓ 日本', '', 'ab', 'b', 'x,y')`,
		`INSERT INTO `+table+` (id) VALUES (2)`,
		`INSERT INTO `+table+` (id, bo, f, d, dt, ts, da, tm, tx, vc, bl) VALUES (3, FALSE, 1e-5, 1e100,
			'0000-00-00 00:00:00', '2024-10-27 00:30:00', '0000-00-00', '-838:59:59', '\\.', ' x ', '')`,
	)
	return dsn, table
}

func TestMySQLTypes(t *testing.T) {
	t.Parallel()
	dsn, table := myEveryType(t)
	src := open(t, dsn, Options{TimeZone: "Europe/Paris"})
	r := readAll(t, src, facteur.Query{SQL: "SELECT * FROM " + table + " ORDER BY id"})
	if len(r.rows) != 3 {
		t.Fatalf("%d rows, want 3", len(r.rows))
	}
	jsonKind := facteur.KindText // MariaDB's JSON is LONGTEXT
	if r.cols[r.column(t, "j")].DBType == "JSON" {
		jsonKind = facteur.KindJSON
	}
	checkCells(t, r, 0, []cell{
		{"ti", facteur.KindInt, "-128"},
		{"si", facteur.KindInt, "-32768"},
		{"mi", facteur.KindInt, "8388607"},
		{"i", facteur.KindInt, "2147483647"},
		{"bi", facteur.KindInt, "-9223372036854775808"},
		{"ubi", facteur.KindInt, "18446744073709551615"},
		{"y", facteur.KindInt, "2024"},
		{"bo", facteur.KindInt, "1"},
		{"bt", facteur.KindInt, "1"},
		{"b10", facteur.KindInt, "513"},
		{"de", facteur.KindDecimal, "12.50"},
		{"d65", facteur.KindDecimal, "12345678901234567890123456789012345.123456789012345678901234567890"},
		{"d38", facteur.KindDecimal, "12345678901234567890123456789012345678"},
		{"f", facteur.KindFloat, "0.1"},
		{"d", facteur.KindFloat, "0.1"},
		{"dt", facteur.KindDateTime, "2024-03-31T02:30:00"},
		{"dt6", facteur.KindDateTime, "2024-03-31T02:30:00.125"},
		{"ts", facteur.KindTimestamp, "2024-03-31T03:00:00.5+02:00"},
		{"da", facteur.KindDate, "2024-03-31"},
		{"tm", facteur.KindTime, "14:30:00"},
		{"tm6", facteur.KindTime, "14:30:00.25"},
		{"bl", facteur.KindBytes, "AP8Q"},
		{"bn", facteur.KindBytes, "YWIA"},
		{"vb", facteur.KindBytes, ""},
		{"j", jsonKind, `{"a": [1, 2],"b":"x"}`},
		{"tx", facteur.KindText, "a,b;\"c\"\r\nd é ✓ 日本"},
		{"vc", facteur.KindText, ""},
		{"ch", facteur.KindText, "ab"},
		{"en", facteur.KindText, "b"},
		{"st", facteur.KindText, "x,y"},
	})
	for i, c := range r.cols {
		if c.Name != "id" && r.rows[1][i] != null {
			t.Errorf("row 2 column %s: %q, want NULL", c.Name, r.rows[1][i])
		}
	}
	checkCells(t, r, 2, []cell{
		{"bo", facteur.KindInt, "0"},
		{"f", facteur.KindFloat, "1e-05"},
		{"d", facteur.KindFloat, "1e+100"},
		{"dt", facteur.KindDateTime, "0000-00-00T00:00:00"},
		{"ts", facteur.KindTimestamp, "2024-10-27T02:30:00+02:00"},
		{"da", facteur.KindDate, "0000-00-00"},
		{"tm", facteur.KindTime, "-838:59:59"},
		{"tx", facteur.KindText, `\.`},
		{"vc", facteur.KindText, " x "},
		{"bl", facteur.KindBytes, ""},
	})
}

// TestMySQLTimeZones renders TIMESTAMP values in zones with odd offsets,
// including one (+14:00) that MariaDB cannot take as a session zone.
func TestMySQLTimeZones(t *testing.T) {
	t.Parallel()
	dsn, table := myEveryType(t)
	tests := []struct{ zone, want1, want3 string }{
		{"UTC", "2024-03-31T01:00:00.5+00:00", "2024-10-27T00:30:00+00:00"},
		{"Asia/Kolkata", "2024-03-31T06:30:00.5+05:30", "2024-10-27T06:00:00+05:30"},
		{"America/St_Johns", "2024-03-30T22:30:00.5-02:30", "2024-10-26T22:00:00-02:30"},
		{"Pacific/Kiritimati", "2024-03-31T15:00:00.5+14:00", "2024-10-27T14:30:00+14:00"},
	}
	for _, tt := range tests {
		src := open(t, dsn, Options{TimeZone: tt.zone})
		r := readAll(t, src, facteur.Query{SQL: "SELECT ts FROM " + table + " WHERE id IN (1, 3) ORDER BY id"})
		if len(r.rows) != 2 || r.rows[0][0] != tt.want1 || r.rows[1][0] != tt.want3 {
			t.Errorf("%s: %v, want [%s] [%s]", tt.zone, r.rows, tt.want1, tt.want3)
		}
	}
}

func TestMySQLReadOnly(t *testing.T) {
	t.Parallel()
	table := "facteur_src_kept_" + suffix(t)
	dsn, admin := myAdmin(t, table, table+"_new")
	myExec(t, admin, "CREATE TABLE "+table+" (a INT)", "INSERT INTO "+table+" VALUES (1), (2)")
	src := open(t, dsn, Options{})
	for _, sql := range []string{
		"INSERT INTO " + table + " VALUES (3)",
		"DELETE FROM " + table + " RETURNING a",
		"WITH d AS (DELETE FROM " + table + ") SELECT * FROM d",
		"UPDATE " + table + " SET a = 0",
		"DROP TABLE " + table,
		"CREATE TABLE " + table + "_new (a INT)",
		"TRUNCATE TABLE " + table,
		"COMMIT; DELETE FROM " + table,
	} {
		err := queryErr(src, facteur.Query{SQL: sql})
		wantCode(t, err, facteur.EINVALID, "sql:")
	}
	if r := readAll(t, src, facteur.Query{Table: table}); len(r.rows) != 2 {
		t.Errorf("the table has %d rows after the attempts, want 2", len(r.rows))
	}
	err := queryErr(src, facteur.Query{SQL: "INSERT INTO " + table + " VALUES (3)"})
	wantCode(t, err, facteur.EINVALID, "sql: give a query")
}

func TestMySQLTimeout(t *testing.T) {
	t.Parallel()
	dsn, _ := myAdmin(t)
	src := open(t, dsn, Options{Timeout: 500 * time.Millisecond})
	start := time.Now()
	err := queryErr(src, facteur.Query{SQL: "SELECT SLEEP(10) FROM seq_1_to_3"})
	wantCode(t, err, facteur.EINVALID, "timeout (500ms)")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the query ran %v despite its 500ms timeout", d)
	}
	if r := readAll(t, src, facteur.Query{SQL: "SELECT SLEEP(0.7) AS s", Timeout: 5 * time.Second}); len(r.rows) != 1 || r.rows[0][0] != "0" {
		t.Errorf("rows %v", r.rows)
	}
}

func TestMySQLErrors(t *testing.T) {
	t.Parallel()
	dsn, _ := myAdmin(t)
	ctx := context.Background()

	cfg, _ := mysqlConfig(dsn)
	wrong := "mysql://" + cfg.User + ":Sup3rSecret@" + cfg.Addr + "/" + cfg.DBName
	bad := open(t, wrong, Options{})
	err := bad.Ping(ctx)
	wantCode(t, err, facteur.EUNAUTHORIZED, "Connection refused by the database: check the user name and password.")
	if strings.Contains(err.Error(), "Sup3rSecret") {
		t.Errorf("the error shows the password: %v", err)
	}
	_, err = bad.Query(ctx, facteur.Query{SQL: "SELECT 1"})
	wantCode(t, err, facteur.EUNAUTHORIZED)

	// Right credentials, but no grant on the database (error 1044): the
	// message says so, not "check the user name and password".
	user := "facteur_nogrant_" + suffix(t)
	_, admin := myAdmin(t)
	myExec(t, admin, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'Right-Pass-1'")
	t.Cleanup(func() { myExec(t, admin, "DROP USER '"+user+"'@'%'") })
	nogrant := open(t, "mysql://"+user+":Right-Pass-1@"+cfg.Addr+"/"+cfg.DBName, Options{})
	wantCode(t, nogrant.Ping(ctx), facteur.EUNAUTHORIZED, "may not use the database \""+cfg.DBName+"\": grant it access")
	nodb := open(t, "mysql://"+cfg.User+"@"+cfg.Addr+"/facteur_no_such_db", Options{})
	wantCode(t, nodb.Ping(ctx), facteur.EINVALID, "dsn: the database \"facteur_no_such_db\" does not exist")

	down := open(t, "mysql://u:Sup3rSecret@127.0.0.1:1/test", Options{})
	err = down.Ping(ctx)
	wantCode(t, err, facteur.EUNAVAILABLE, "Cannot reach the database server")
	if strings.Contains(err.Error(), "Sup3rSecret") {
		t.Errorf("the error shows the password: %v", err)
	}

	src := open(t, dsn, Options{})
	if err := src.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT * FROM facteur_no_such_table"}), facteur.EINVALID, "sql:", "facteur_no_such_table", "doesn't exist")
	wantCode(t, queryErr(src, facteur.Query{Table: "facteur_no_such_table"}), facteur.EINVALID, "table:", "doesn't exist")
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT 1 +"}), facteur.EINVALID, "sql:", "SQL syntax")
}

func TestMySQLDescribe(t *testing.T) {
	t.Parallel()
	dsn, table := myEveryType(t)
	src := open(t, dsn, Options{})
	start := time.Now()
	cols, err := Describe(context.Background(), src, facteur.Query{SQL: "SELECT SLEEP(30) AS slept, ts, bl FROM " + table})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Describe ran the query (%v)", d)
	}
	want := []facteur.Column{
		{Name: "slept", Kind: facteur.KindInt, DBType: "INT"},
		{Name: "ts", Kind: facteur.KindTimestamp, DBType: "TIMESTAMP"},
		{Name: "bl", Kind: facteur.KindBytes, DBType: "BLOB"},
	}
	if len(cols) != len(want) {
		t.Fatalf("columns %+v, want %+v", cols, want)
	}
	for i := range want {
		if cols[i].Name != want[i].Name || cols[i].Kind != want[i].Kind {
			t.Errorf("column %d = %+v, want %+v", i, cols[i], want[i])
		}
	}
	// Duplicate names cannot be a derived table: the query itself runs.
	cols, err = Describe(context.Background(), src, facteur.Query{SQL: "SELECT id, id FROM " + table})
	if err != nil || len(cols) != 2 || cols[1].Name != "id" || cols[1].Kind != facteur.KindInt {
		t.Errorf("Describe with duplicate names: %+v, %v", cols, err)
	}
}

func TestMySQLEarlyClose(t *testing.T) {
	t.Parallel()
	dsn, _ := myAdmin(t)
	src := open(t, dsn, Options{})
	rows, err := src.Query(context.Background(), facteur.Query{SQL: "SELECT seq, REPEAT('x', 100) FROM seq_1_to_5000000"})
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
	// The querier still works after a connection was dropped.
	if r := readAll(t, src, facteur.Query{SQL: "SELECT 1 AS one"}); len(r.rows) != 1 {
		t.Errorf("rows %v", r.rows)
	}
}
