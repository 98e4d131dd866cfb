package source

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/facteur/facteur"
	"github.com/go-sql-driver/mysql"
)

// MySQL runs queries against MySQL (5.7 or later) or MariaDB (10.3 or
// later).
//
// Before each query the session is made read-only (SET SESSION TRANSACTION
// READ ONLY, so that DDL, which commits implicitly, is refused too), gets a
// statement timeout (MariaDB max_statement_time, MySQL max_execution_time)
// and a time zone, and a READ ONLY transaction starts. Rows come by the
// binary protocol of a prepared statement, so that FLOAT values arrive
// whole (see mySession.query).
//
// The session time zone is the fixed offset Options.TimeZone has when the
// query starts, and TIMESTAMP values are converted to Options.TimeZone by
// Facteur: this needs no time zone tables on the server and, unlike a
// named zone, gives every instant exactly, even in the hour repeated when
// clocks go back.
type MySQL struct {
	db     *sql.DB
	opt    Options
	loc    *time.Location
	secret string
	user   string // the account and database of the DSN, for messages
	dbName string

	mu      sync.Mutex
	mariadb *bool // learned from SELECT VERSION() on first use
}

var (
	_ facteur.Querier = (*MySQL)(nil)
	_ describer       = (*MySQL)(nil)
)

// openMySQL parses dsn; it does not connect.
func openMySQL(dsn string, o Options, loc *time.Location) (*MySQL, error) {
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.Net == "unix" && !o.AllowSocket {
		return nil, dsnError("socket: Unix sockets are not allowed; put the server's host name in the URL (mysql://user@host:3306/database)")
	}
	if dial := guardedDial(o); dial != nil {
		cfg.DialFunc = dial
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, redact(err, cfg.Passwd), "dsn: not a valid MySQL URL; use mysql://user:password@host:3306/database")
	}
	db := sql.OpenDB(connector)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	return &MySQL{db: db, opt: o, loc: loc, secret: cfg.Passwd, user: cfg.User, dbName: cfg.DBName}, nil
}

// myAllowedParams are the query parameters a MySQL DSN may carry.
const myAllowedParams = "tls, timeout, readTimeout, writeTimeout, allowCleartextPasswords (with tls=true), socket"

// mysqlConfig reads mysql://user:password@host:port/database?params, or
// mariadb://, against an allow-list of parameters:
//
//   - tls: true, false, skip-verify or preferred;
//   - timeout, readTimeout, writeTimeout: Go durations (5s, 2m), above zero;
//   - allowCleartextPasswords: true or false, true only with tls=true
//     (the password would otherwise cross the network readable);
//   - socket: a Unix socket path instead of host and port (openMySQL
//     refuses it unless Options.AllowSocket).
//
// Refused with a reason: allowAllFiles and local_infile (LOAD DATA LOCAL
// reads files of the Facteur server), multiStatements (a second statement
// could end the read-only transaction), allowOldPasswords (a broken
// password hash), interpolateParams (parameters are bound by the server, never written into the SQL; client
// side quoting is a needless risk), and charset, collation and loc (the
// connection always speaks utf8mb4 in UTC, so that text arrives as UTF-8
// and TIMESTAMP values convert exactly). Any other parameter is refused
// with the list of allowed ones.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, dsnError("not a valid URL; use mysql://user:password@host:3306/database")
	}
	cfg := mysql.NewConfig()
	cfg.Logger = &mysql.NopLogger{}
	cfg.Timeout = connectTimeout
	cfg.Loc = time.UTC
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	if u.Opaque != "" {
		return nil, dsnError("use mysql://user:password@host:3306/database")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if strings.Contains(cfg.DBName, "/") {
		return nil, dsnError("the path must be the database name alone")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "3306"
	}
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, port)
	params := u.Query()
	for k, v := range params {
		if len(v) > 1 {
			return nil, dsnError("parameter %q is given more than once", k)
		}
		val := v[0]
		switch k {
		case "tls":
			switch val {
			case "true", "false", "skip-verify", "preferred":
				cfg.TLSConfig = val
			default:
				return nil, dsnError("tls must be true, false, skip-verify or preferred")
			}
		case "timeout", "readTimeout", "writeTimeout":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return nil, dsnError("%s must be a duration above zero, such as 30s", k)
			}
			switch k {
			case "timeout":
				cfg.Timeout = d
			case "readTimeout":
				cfg.ReadTimeout = d
			default:
				cfg.WriteTimeout = d
			}
		case "allowCleartextPasswords":
			switch {
			case val == "false":
			case val == "true" && params.Get("tls") == "true":
				cfg.AllowCleartextPasswords = true
			case val == "true":
				return nil, dsnError("allowCleartextPasswords=true needs tls=true: the password would cross the network readable")
			default:
				return nil, dsnError("allowCleartextPasswords must be true or false")
			}
		case "socket":
			cfg.Net, cfg.Addr = "unix", val
		case "allowAllFiles", "local_infile", "allowLoadLocalInfile":
			return nil, dsnError("%s is not allowed: LOAD DATA LOCAL would read files of the Facteur server", k)
		case "multiStatements":
			return nil, dsnError("multiStatements is not allowed: a second statement could end the read-only transaction")
		case "allowOldPasswords":
			return nil, dsnError("allowOldPasswords is not allowed: the old password hash is broken; update the account's password")
		case "interpolateParams":
			return nil, dsnError("interpolateParams is not allowed: parameters are bound by the server, never written into the SQL")
		case "charset", "collation", "loc":
			return nil, dsnError("%s is not allowed: the connection always uses utf8mb4 and UTC, and Facteur converts values itself", k)
		default:
			return nil, dsnError("parameter %q is not allowed; allowed: %s", k, myAllowedParams)
		}
	}
	return cfg, nil
}

// Ping connects and checks that the server answers. Wrong credentials fail
// with EUNAUTHORIZED, a server that cannot be reached with EUNAVAILABLE.
func (m *MySQL) Ping(parent context.Context) error {
	ctx, cancel := withPingTimeout(parent)
	defer cancel()
	if err := m.db.PingContext(ctx); err != nil {
		return m.classify(parent, ctx, err, statement{})
	}
	return nil
}

// Close closes the connections.
func (m *MySQL) Close() error { return m.db.Close() }

// mySession is a connection inside the read-only transaction of one query.
type mySession struct {
	conn     *sql.Conn
	tx       *sql.Tx
	prepared *sql.Stmt // the statement, when the server could prepare it
	stmt     statement
	session  *time.Location // the fixed offset the server renders TIMESTAMP in
	ctx      context.Context
	cancel   context.CancelFunc
}

// query runs the session's statement through the binary protocol (a
// prepared statement): the text protocol sends FLOAT with 6 significant
// digits only (16777216 arrives as "1.67772e+07"), the binary one sends
// the stored 4 bytes. A statement the server cannot prepare (error 1295)
// runs through the text protocol.
func (s *mySession) query() (*sql.Rows, error) {
	ps, err := s.tx.PrepareContext(s.ctx, s.stmt.sql)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1295 {
		return s.tx.QueryContext(s.ctx, s.stmt.sql, s.stmt.args...)
	} else if err != nil {
		return nil, err
	}
	s.prepared = ps
	return ps.QueryContext(s.ctx, s.stmt.args...)
}

// close ends the transaction and gives the connection back. Cancelling the
// context first makes the driver drop a connection whose result was not
// read to its end, rather than read the rest of it.
func (s *mySession) close(drop bool) {
	if drop {
		s.cancel()
	}
	if s.prepared != nil {
		s.prepared.Close()
	}
	if s.tx != nil {
		s.tx.Rollback()
	}
	s.conn.Close()
	s.cancel()
}

// open takes a connection, prepares its session and begins the read-only
// transaction.
func (m *MySQL) open(parent context.Context, q facteur.Query) (*mySession, error) {
	st, err := resolve(q, mysqlDialect, m.opt, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(parent, st.timeout+guardDeadline)
	conn, err := m.db.Conn(ctx)
	if err != nil {
		cancel()
		return nil, m.classify(parent, ctx, err, st)
	}
	s := &mySession{conn: conn, stmt: st, ctx: ctx, cancel: cancel}
	if err := m.prepareSession(s); err != nil {
		s.close(true)
		return nil, m.classify(parent, ctx, err, st)
	}
	if s.tx, err = conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}); err != nil {
		s.close(true)
		return nil, m.classify(parent, ctx, err, st)
	}
	return s, nil
}

// prepareSession makes the session read-only and sets its statement
// timeout and time zone.
func (m *MySQL) prepareSession(s *mySession) error {
	mariadb, err := m.isMariaDB(s)
	if err != nil {
		return err
	}
	if _, err := s.conn.ExecContext(s.ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
		return err
	}
	timeout := fmt.Sprintf("SESSION max_execution_time = %d", max(1, s.stmt.timeout.Milliseconds()))
	if mariadb {
		timeout = fmt.Sprintf("SESSION max_statement_time = %.3f", max(0.001, s.stmt.timeout.Seconds()))
	}
	_, off := time.Now().In(m.loc).Zone()
	if off%60 == 0 {
		s.session = time.FixedZone("", off)
		_, err := s.conn.ExecContext(s.ctx, "SET SESSION time_zone = '"+string(appendOffset(nil, off))+"', "+timeout)
		if err == nil {
			return nil
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1298 { // unknown or incorrect time zone: out of the server's range
			return err
		}
	}
	s.session = time.UTC
	_, err = s.conn.ExecContext(s.ctx, "SET SESSION time_zone = '+00:00', "+timeout)
	return err
}

// isMariaDB tells MariaDB from MySQL, which name their statement timeout
// differently. The answer is kept after the first success.
func (m *MySQL) isMariaDB(s *mySession) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mariadb != nil {
		return *m.mariadb, nil
	}
	var v string
	if err := s.conn.QueryRowContext(s.ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return false, err
	}
	is := strings.Contains(strings.ToLower(v), "mariadb")
	m.mariadb = &is
	return is, nil
}

// Query runs q and streams its rows; see the type documentation.
func (m *MySQL) Query(ctx context.Context, q facteur.Query) (facteur.Rows, error) {
	s, err := m.open(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.query()
	if err != nil {
		s.close(true)
		return nil, m.classify(ctx, s.ctx, err, s.stmt)
	}
	r, err := newMyRows(m, ctx, s, rows)
	if err != nil {
		rows.Close()
		s.close(true)
		return nil, m.classify(ctx, s.ctx, err, s.stmt)
	}
	return r, nil
}

// describe returns the columns of q. It runs q inside SELECT * FROM (q)
// LIMIT 0, which the server answers without executing it; when q cannot be
// a derived table (duplicate column names, SHOW) it starts q itself and
// drops the connection once the columns have arrived.
func (m *MySQL) describe(ctx context.Context, q facteur.Query) ([]facteur.Column, error) {
	s, err := m.open(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.tx.QueryContext(s.ctx, "SELECT * FROM (\n"+s.stmt.sql+"\n) AS facteur_q LIMIT 0", s.stmt.args...)
	drop := false
	if err != nil {
		drop = true
		rows, err = s.tx.QueryContext(s.ctx, s.stmt.sql, s.stmt.args...)
	}
	if err != nil {
		s.close(true)
		return nil, m.classify(ctx, s.ctx, err, s.stmt)
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		err = m.classify(ctx, s.ctx, err, s.stmt)
	}
	if drop {
		s.cancel() // so that closing the rows does not read them all
	}
	rows.Close()
	s.close(drop)
	if err != nil {
		return nil, err
	}
	cols, _ := myColumns(types)
	return cols, nil
}

// classify turns an error of the MySQL driver into a facteur error a user
// can act on.
func (m *MySQL) classify(parent, ctx context.Context, err error, st statement) error {
	if err == nil {
		return nil
	}
	if e := dialRefused(err); e != nil {
		return e
	}
	err = redact(err, m.secret)
	if e := callerError(parent, err); e != nil {
		return e
	}
	field := st.field
	if field == "" {
		field = "sql"
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1045, 1698:
			return authError(err)
		case 1044: // the credentials are right; the account has no grant on the database
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "The account %q may not use the database %q: grant it access (GRANT SELECT ON %s.* TO the account), or name a database it may read.", m.user, m.dbName, quoteBacktick(m.dbName))
		case 1130:
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "The database server does not accept this account from Facteur's address: create the account for that host (CREATE USER 'name'@'host').")
		case 1251, 1524, 1275:
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "The database server asks for a sign-in method Facteur cannot use for this account: give the account a password with mysql_native_password or caching_sha2_password.")
		case 1049:
			return facteur.WrapError(facteur.EINVALID, err, "dsn: the database %q does not exist on the server: check the database name at the end of the URL.", m.dbName)
		case 1969, 3024: // MariaDB max_statement_time, MySQL max_execution_time
			return timeoutError(err, st.timeout)
		case 1040, 1053, 1203, 1205, 1213, 1317, 1927:
			return busyError(err, me.Message)
		}
		return queryError(err, field, me.Message)
	}
	if e := guardError(ctx, err, st); e != nil {
		return e
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" || st.sql == "" {
		return unreachableError(err)
	}
	return connectionLostError(err)
}
