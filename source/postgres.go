package source

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Postgres runs queries against a PostgreSQL server (version 12 or later).
//
// Every query has a connection of its own, so that nothing a query does to
// its session outlives it. The connection opens a READ ONLY transaction,
// sets a local statement timeout and the session settings that fix the
// text PostgreSQL prints (TimeZone, DateStyle ISO, IntervalStyle postgres,
// extra_float_digits 1, bytea_output hex), prepares the statement and
// streams its rows: in text format, but for booleans, integers, dates and
// timestamps, which come in binary format (see postgres_binary.go).
type Postgres struct {
	cfg *pgconn.Config
	opt Options
	loc *time.Location // Options.TimeZone
}

var (
	_ facteur.Querier = (*Postgres)(nil)
	_ CSVCopier       = (*Postgres)(nil)
	_ describer       = (*Postgres)(nil)
)

// openPostgres checks dsn against the allow-list (see pgConnString) and
// parses it; it does not connect.
func openPostgres(dsn string, o Options, loc *time.Location) (*Postgres, error) {
	cs, err := pgConnString(dsn, o.AllowSocket)
	if err != nil {
		return nil, err
	}
	cfg, err := pgconn.ParseConfigWithOptions(cs, pgconn.ParseConfigOptions{ConnStringAllowedKeys: pgConnStringKeys()})
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, redact(err, dsnPassword(dsn)),
			"dsn: not a valid PostgreSQL URL; use postgres://user:password@host:5432/database")
	}
	if err := pgCheckHosts(cfg, o.AllowSocket); err != nil {
		return nil, err
	}
	if dial := guardedDial(o); dial != nil {
		// pgx would resolve the host itself and dial each address; hand
		// the dialer the host name instead, so that it resolves, checks
		// and connects to the address it checked.
		cfg.DialFunc = dial
		cfg.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "facteur"
	}
	// A cancelled context (a run cancelled by a user, a shutdown) must stop
	// the query on the server too, not only drop the connection: send a
	// cancel request at once, and give up on the socket a little later.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	// A row message past twice the cell limit is refused before it is
	// read, so that one value cannot take the server's memory; the values
	// of the rows read are checked one by one (pgRows).
	// The messages are read through a buffer of pgReadBuffer bytes: pgx
	// reads at most 8 KiB at a time, and a large export then spends more
	// time in read system calls than in decoding (94,000 reads for the
	// benchmark's 5M rows, 18,000 with this buffer).
	maxBody := int(2 * o.MaxCell)
	cfg.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		f := pgproto3.NewFrontend(bufio.NewReaderSize(r, pgReadBuffer), w)
		f.SetMaxBodyLen(maxBody)
		return f
	}
	return &Postgres{cfg: cfg, opt: o, loc: loc}, nil
}

// dsnPassword returns the password of a URL DSN, or "".
func dsnPassword(dsn string) string {
	scheme, rest, _ := strings.Cut(dsn, "://")
	if scheme == "" {
		return ""
	}
	userinfo, _, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(userinfo, "@"); i >= 0 {
		if _, pw, ok := strings.Cut(userinfo[:i], ":"); ok {
			return pw
		}
	}
	return ""
}

// Ping connects, checks that the server answers and disconnects. Wrong
// credentials fail with EUNAUTHORIZED, a server that cannot be reached
// with EUNAVAILABLE.
func (p *Postgres) Ping(parent context.Context) error {
	ctx, cancel := withPingTimeout(parent)
	defer cancel()
	conn, err := pgconn.ConnectConfig(ctx, p.cfg)
	if err != nil {
		return p.classify(parent, ctx, err, statement{})
	}
	defer closePg(conn)
	if err := conn.Ping(ctx); err != nil {
		return p.classify(parent, ctx, err, statement{})
	}
	return nil
}

// Close releases nothing: connections live as long as one query.
func (p *Postgres) Close() error { return nil }

// pgSession is a connection inside the read-only transaction of one query,
// with the statement prepared and its columns resolved.
type pgSession struct {
	conn   *pgconn.PgConn
	stmt   statement
	desc   *pgconn.StatementDescription
	types  []pgType
	bins   []pgBinary // per column: pgText, or how its binary values are read
	cols   []facteur.Column
	ctx    context.Context // bounded by the statement timeout plus guardDeadline
	cancel context.CancelFunc
}

// close ends the transaction by closing the connection.
func (s *pgSession) close() {
	closePg(s.conn)
	s.cancel()
}

// closePg closes conn, giving the server a moment to hear it.
func closePg(conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}

// open connects, begins the read-only transaction and prepares q.
func (p *Postgres) open(parent context.Context, q facteur.Query) (*pgSession, error) {
	st, err := resolve(q, postgresDialect, p.opt, true)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(parent, st.timeout+guardDeadline)
	conn, err := pgconn.ConnectConfig(ctx, p.cfg)
	if err != nil {
		cancel()
		return nil, p.classify(parent, ctx, err, st)
	}
	s := &pgSession{conn: conn, stmt: st, ctx: ctx, cancel: cancel}
	if err := p.begin(s); err != nil {
		s.close()
		return nil, p.classify(parent, ctx, err, st)
	}
	s.desc, err = conn.Prepare(ctx, "facteur_query", st.sql, nil)
	if err != nil {
		s.close()
		return nil, p.classify(parent, ctx, err, st)
	}
	if len(s.desc.Fields) == 0 {
		s.close()
		return nil, facteur.Errorf(facteur.EINVALID, "%s: the statement returns no rows; give a SELECT", st.field)
	}
	if err := s.resolveTypes(); err != nil {
		s.close()
		return nil, p.classify(parent, ctx, err, st)
	}
	return s, nil
}

// begin starts the read-only transaction with its local settings, in one
// round trip.
func (p *Postgres) begin(s *pgSession) error {
	ms := s.stmt.timeout.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	sql := fmt.Sprintf("BEGIN READ ONLY; SET LOCAL statement_timeout = %d; SET LOCAL TimeZone = %s; "+
		"SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; "+
		"SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'; "+
		"SET LOCAL standard_conforming_strings = on",
		ms, quoteLiteral(p.opt.TimeZone))
	_, err := s.conn.Exec(s.ctx, sql).ReadAll()
	return err
}

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Query runs q and streams its rows; see the type documentation.
func (p *Postgres) Query(ctx context.Context, q facteur.Query) (facteur.Rows, error) {
	s, err := p.open(ctx, q)
	if err != nil {
		return nil, err
	}
	formats := make([]int16, len(s.bins))
	for i, b := range s.bins {
		if b != pgText {
			formats[i] = 1
		}
	}
	params := make([][]byte, len(s.stmt.args))
	for i, a := range s.stmt.args {
		params[i] = a.([]byte)
	}
	rr := s.conn.ExecStatement(s.ctx, s.desc, params, nil, formats)
	if rr.FieldDescriptions() == nil {
		_, err := rr.Close()
		s.close()
		if err == nil {
			err = errors.New("no row description")
		}
		return nil, p.classify(ctx, s.ctx, err, s.stmt)
	}
	return newPgRows(p, ctx, s, rr), nil
}

// describe prepares q in a read-only transaction and returns its columns.
func (p *Postgres) describe(ctx context.Context, q facteur.Query) ([]facteur.Column, error) {
	s, err := p.open(ctx, q)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.cols, nil
}

// classify turns an error of pgx into a facteur error a user can act on.
// parent is the caller's context, ctx the one bounded by the guard
// deadline.
func (p *Postgres) classify(parent, ctx context.Context, err error, st statement) error {
	if err == nil {
		return nil
	}
	if e := dialRefused(err); e != nil {
		return e
	}
	err = redact(err, p.cfg.Password)
	if e := callerError(parent, err); e != nil {
		return e
	}
	field := st.field
	if field == "" {
		field = "sql"
	}
	if tooBig := (*pgproto3.ExceededMaxBodyLenErr)(nil); errors.As(err, &tooBig) {
		return cellError("", p.opt.MaxCell)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code := pgErr.Code
		switch {
		case code == "57014" && strings.Contains(pgErr.Message, "statement timeout"):
			return timeoutError(err, st.timeout)
		case strings.HasPrefix(code, "28"):
			return authError(err)
		case code == "3D000":
			return facteur.WrapError(facteur.EINVALID, err, "dsn: %s", pgErr.Message)
		case code == "22023" && strings.Contains(pgErr.Message, "TimeZone"):
			return facteur.WrapError(facteur.EINVALID, err, "time_zone: %s", pgErr.Message)
		case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "57"),
			strings.HasPrefix(code, "58"), strings.HasPrefix(code, "40"), code == "55P03":
			return busyError(err, pgErr.Message)
		case strings.HasPrefix(code, "XX"):
			return facteur.WrapError(facteur.EINTERNAL, err, "The database failed: %s", pgErr.Message)
		}
		return queryError(err, field, pgErr.Message)
	}
	if e := guardError(ctx, err, st); e != nil {
		return e
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || st.sql == "" {
		return unreachableError(err)
	}
	return connectionLostError(err)
}

// pgType is how a PostgreSQL type becomes a facteur.Kind.
type pgType struct {
	name string
	kind facteur.Kind
	conv pgConv
}

// pgConv says how PostgreSQL's text of a value becomes canonical text.
type pgConv uint8

const (
	pgAsIs        pgConv = iota // PostgreSQL's text is canonical
	pgBool                      // t/f -> true/false
	pgBytea                     // \x hex -> base64
	pgTimestamptz               // "2024-03-31 03:00:00.5+02" -> "2024-03-31T03:00:00.5+02:00"
	pgTimestamp                 // "2024-03-31 02:30:00" -> "2024-03-31T02:30:00"
)

// pgBuiltin returns how a built-in type maps, by OID; ok is false for the
// types it does not know (domains, enums, extensions), which are looked up.
func pgBuiltin(oid uint32) (t pgType, ok bool) {
	switch oid {
	case 16:
		return pgType{"boolean", facteur.KindBool, pgBool}, true
	case 17:
		return pgType{"bytea", facteur.KindBytes, pgBytea}, true
	case 20:
		return pgType{"bigint", facteur.KindInt, pgAsIs}, true
	case 21:
		return pgType{"smallint", facteur.KindInt, pgAsIs}, true
	case 23:
		return pgType{"integer", facteur.KindInt, pgAsIs}, true
	case 26:
		return pgType{"oid", facteur.KindInt, pgAsIs}, true
	case 700:
		return pgType{"real", facteur.KindFloat, pgAsIs}, true
	case 701:
		return pgType{"double precision", facteur.KindFloat, pgAsIs}, true
	case 1700:
		return pgType{"numeric", facteur.KindDecimal, pgAsIs}, true
	case 1184:
		return pgType{"timestamp with time zone", facteur.KindTimestamp, pgTimestamptz}, true
	case 1114:
		return pgType{"timestamp without time zone", facteur.KindDateTime, pgTimestamp}, true
	case 1082:
		return pgType{"date", facteur.KindDate, pgAsIs}, true
	case 1083:
		return pgType{"time without time zone", facteur.KindTime, pgAsIs}, true
	case 114:
		return pgType{"json", facteur.KindJSON, pgAsIs}, true
	case 3802:
		return pgType{"jsonb", facteur.KindJSON, pgAsIs}, true
	case 25:
		return pgType{"text", facteur.KindText, pgAsIs}, true
	case 1043:
		return pgType{"character varying", facteur.KindText, pgAsIs}, true
	case 1042:
		return pgType{"character", facteur.KindText, pgAsIs}, true
	case 19:
		return pgType{"name", facteur.KindText, pgAsIs}, true
	case 2950:
		return pgType{"uuid", facteur.KindText, pgAsIs}, true
	case 1186:
		return pgType{"interval", facteur.KindText, pgAsIs}, true
	}
	return pgType{}, false
}

// resolveTypes maps every result column to a kind. PostgreSQL describes
// a domain by its base type, so only enums, arrays, ranges and the types of
// extensions are not built in: they are text, and their names are looked
// up in pg_type so that every column shows its type's name.
func (s *pgSession) resolveTypes() error {
	fields := s.desc.Fields
	s.types = make([]pgType, len(fields))
	var unknown []string
	for i, f := range fields {
		if t, ok := pgBuiltin(f.DataTypeOID); ok {
			s.types[i] = t
		} else {
			unknown = append(unknown, strconv.FormatUint(uint64(f.DataTypeOID), 10))
		}
	}
	if len(unknown) > 0 {
		names, err := s.typeNames("{" + strings.Join(unknown, ",") + "}")
		if err != nil {
			return err
		}
		for i, f := range fields {
			if s.types[i].name == "" {
				s.types[i] = pgType{name: names[f.DataTypeOID], kind: facteur.KindText, conv: pgAsIs}
			}
		}
	}
	s.cols = make([]facteur.Column, len(fields))
	s.bins = make([]pgBinary, len(fields))
	for i, f := range fields {
		s.cols[i] = facteur.Column{Name: f.Name, Kind: s.types[i].kind, DBType: s.types[i].name}
		if f.DataTypeOID == 1700 {
			s.cols[i].Precision, s.cols[i].Scale = pgNumericDigits(f.TypeModifier)
		}
		s.bins[i] = pgBinaryOf(f.DataTypeOID)
	}
	return nil
}

// pgNumericDigits returns the precision and scale a numeric column's type
// modifier declares, or 0, 0 for an unconstrained numeric (modifier -1) and
// for the scales PostgreSQL 15 allows that a decimal type cannot hold:
// negative, or larger than the precision.
func pgNumericDigits(typmod int32) (precision, scale int) {
	if typmod < 4 {
		return 0, 0
	}
	m := typmod - 4 // VARHDRSZ
	precision = int(m>>16) & 0xffff
	scale = int((m&0x7ff)^1024) - 1024 // an 11-bit signed number since PostgreSQL 15
	if precision < 1 || scale < 0 || scale > precision {
		return 0, 0
	}
	return precision, scale
}

// typeNames returns the names of the types whose OIDs the array literal
// oids lists.
func (s *pgSession) typeNames(oids string) (map[uint32]string, error) {
	rr := s.conn.ExecParams(s.ctx, "SELECT oid, pg_catalog.format_type(oid, NULL) FROM pg_catalog.pg_type WHERE oid = ANY($1::pg_catalog.oid[])",
		[][]byte{[]byte(oids)}, nil, nil, nil)
	names := make(map[uint32]string)
	for rr.NextRow() {
		v := rr.Values()
		oid, _ := strconv.ParseUint(string(v[0]), 10, 32)
		names[uint32(oid)] = string(v[1])
	}
	if _, err := rr.Close(); err != nil {
		return nil, fmt.Errorf("look up column types: %w", err)
	}
	return names, nil
}
