package source

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/facteur/facteur"
)

// paramRef is one :name in a report's SQL: the byte offsets of the colon
// and of the end of the name.
type paramRef struct {
	start, end int
	name       string
}

// paramRefs returns the :name references of sql, read with the dialect's
// lexer so that quoted strings and names, comments and PostgreSQL's
// dollar-quoted strings are skipped. A colon that is part of :: (a
// PostgreSQL cast), of := (a MySQL assignment) or that a letter or _ does
// not follow starts no reference, and so does one whose name goes on
// with a character a parameter's name may not have ($, a non-ASCII letter).
func paramRefs(sql string, d dialect) ([]paramRef, error) {
	lx := lexer{sql: sql, d: d}
	var refs []paramRef
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if tok == "" {
			return refs, nil
		}
		i := lx.start
		if tok != "." || sql[i] != ':' || i > 0 && sql[i-1] == ':' {
			continue
		}
		end := i + 1
		if end >= len(sql) || !(sql[end] == '_' || sql[end] >= 'a' && sql[end] <= 'z' || sql[end] >= 'A' && sql[end] <= 'Z') {
			continue
		}
		for end < len(sql) && (sql[end] == '_' || sql[end] >= 'a' && sql[end] <= 'z' || sql[end] >= 'A' && sql[end] <= 'Z' || sql[end] >= '0' && sql[end] <= '9') {
			end++
		}
		if end < len(sql) && (isWordByte(sql[end]) || sql[end] == '$') {
			continue // the name goes on with a character a name may not have: no parameter
		}
		refs = append(refs, paramRef{start: i, end: end, name: sql[i+1 : end]})
		lx.pos = end
	}
}

// bindParams rewrites the :name references of sql into the placeholders
// of the dialect and returns the arguments to bind, in order:
//
//   - PostgreSQL: $1, $2, … one per parameter (a name used twice is the
//     same $n), each argument its text; a list is one text[] argument
//     (write col = any(:list)).
//   - MySQL and SQLite: ? per reference, with a list expanded to ?, ?, ?
//     (write col IN (:list)); an empty list becomes NULL, which matches
//     nothing.
//
// The values never enter the SQL. A reference to a name params does not
// hold fails with EINVALID naming it.
func bindParams(sql string, d dialect, params []facteur.BoundParam) (string, []any, error) {
	refs, err := paramRefs(sql, d)
	if err != nil || len(refs) == 0 {
		return sql, nil, err
	}
	byName := make(map[string]*facteur.BoundParam, len(params))
	for i := range params {
		byName[params[i].Name] = &params[i]
	}
	var (
		b    strings.Builder
		args []any
		last int
		lx   = lexer{sql: sql, d: d}
		pgNo = map[string]int{}
	)
	for _, r := range refs {
		p := byName[r.name]
		if p == nil {
			return "", nil, facteur.Errorf(facteur.EINVALID, "sql: :%s on line %d is not a declared parameter; declare it in the report's parameters", r.name, lx.line(r.start))
		}
		if p.Type == facteur.ParamList {
			if err := checkListUse(sql[:r.start], d, r, lx.line(r.start)); err != nil {
				return "", nil, err
			}
		}
		b.WriteString(sql[last:r.start])
		last = r.end
		// A placeholder must not merge with what surrounds it: $:a would
		// open a $$ string, x:a make a name x$1.
		if r.start > 0 && !isSpace(sql[r.start-1]) && !strings.ContainsRune("(,=<>", rune(sql[r.start-1])) {
			b.WriteByte(' ')
		}
		switch {
		case d == postgresDialect:
			n, ok := pgNo[r.name]
			if !ok {
				v, err := pgParamText(p)
				if err != nil {
					return "", nil, err
				}
				args = append(args, v)
				n = len(args)
				pgNo[r.name] = n
			}
			b.WriteString("$" + strconv.Itoa(n))
		case p.Type != facteur.ParamList:
			b.WriteByte('?')
			args = append(args, driverValue(p))
		case len(p.List) == 0:
			b.WriteString("NULL")
		default:
			for i, item := range p.List {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('?')
				args = append(args, item)
			}
		}
		if r.end < len(sql) && !isSpace(sql[r.end]) && !strings.ContainsRune("),;", rune(sql[r.end])) {
			b.WriteByte(' ')
		}
	}
	b.WriteString(sql[last:])
	return b.String(), args, nil
}

// checkListUse refuses a list parameter written the way of the other
// dialects, which would match nothing rather than fail: IN (:list) on
// PostgreSQL compares with the text of an array, any(:list) on MySQL and
// SQLite is not SQL they read. before is the SQL up to the reference.
func checkListUse(before string, d dialect, r paramRef, line int) error {
	b := strings.TrimRight(before, " \t\r\n")
	if !strings.HasSuffix(b, "(") {
		return nil
	}
	b = strings.ToUpper(strings.TrimRight(b[:len(b)-1], " \t\r\n"))
	switch {
	case d == postgresDialect && strings.HasSuffix(b, "IN") && (len(b) == 2 || !isWordByte(b[len(b)-3])):
		return facteur.Errorf(facteur.EINVALID, "sql: :%s on line %d is a list, which PostgreSQL receives as one array: write col = any(:%s) instead of col IN (:%s)", r.name, line, r.name, r.name)
	case d != postgresDialect && (strings.HasSuffix(b, "ANY") || strings.HasSuffix(b, "ALL")) && (len(b) == 3 || !isWordByte(b[len(b)-4])):
		return facteur.Errorf(facteur.EINVALID, "sql: :%s on line %d is a list, whose items this database receives one by one: write col IN (:%s)", r.name, line, r.name)
	}
	return nil
}

// driverValue is the value database/sql binds for a scalar parameter: an
// int64 for an integer, the canonical text otherwise (a date as
// 2026-02-01, which MySQL and SQLite compare with their dates).
func driverValue(p *facteur.BoundParam) any {
	if p.Type == facteur.ParamInteger {
		return p.Int
	}
	return p.Text
}

// pgParamText is the text format of a parameter for PostgreSQL, which parses
// it as the type it inferred for the placeholder; a list is a text[]
// array literal.
func pgParamText(p *facteur.BoundParam) ([]byte, error) {
	if p.Type != facteur.ParamList {
		return []byte(p.Text), nil
	}
	list := p.List
	if list == nil {
		list = []string{}
	}
	b, err := pgtype.NewMap().Encode(pgtype.TextArrayOID, pgtype.TextFormatCode, list, nil)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "params.%s: the list cannot be sent to PostgreSQL", p.Name)
	}
	return b, nil
}
