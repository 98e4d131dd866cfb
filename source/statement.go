package source

import (
	"strings"

	"github.com/facteur/facteur"
)

// dialect is the SQL a kind of database speaks: how it quotes identifiers
// and how its lexer reads strings and comments.
type dialect int

const (
	postgresDialect dialect = iota
	mysqlDialect
	sqliteDialect
)

// quote quotes one identifier.
func (d dialect) quote(s string) string {
	if d == mysqlDialect {
		return quoteBacktick(s)
	}
	return quoteDouble(s)
}

// queryStart lists the words a report's statement may start with: those
// of a query, in each dialect.
var queryStart = map[dialect]map[string]bool{
	postgresDialect: {"SELECT": true, "WITH": true, "VALUES": true, "TABLE": true},
	mysqlDialect:    {"SELECT": true, "WITH": true, "VALUES": true, "TABLE": true, "SHOW": true},
	sqliteDialect:   {"SELECT": true, "WITH": true, "VALUES": true},
}

// writing lists the words that start a statement that changes something;
// inside a query they may start a sub-statement (PostgreSQL's data-modifying
// WITH, or the statement after a WITH list).
var writing = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "UPSERT": true,
	"CREATE": true, "DROP": true, "ALTER": true, "TRUNCATE": true, "GRANT": true, "REVOKE": true,
	"COPY": true, "CALL": true, "DO": true, "SET": true, "ATTACH": true, "DETACH": true,
	"PRAGMA": true, "VACUUM": true, "REINDEX": true, "HANDLER": true, "LOAD": true,
}

// checkSQL is the rule every report's SQL follows, on every kind of source,
// when the report is saved (the source describes it) and at every run:
// facteur.CheckSQLText (length, NUL, UTF-8); one statement only; a query
// (it starts with SELECT, WITH, VALUES, TABLE, or SHOW on MySQL; no
// INSERT, UPDATE, DELETE… starts a statement inside it; no SELECT … INTO);
// on SQLite no load_extension; on MySQL no executable comment (/*! … */).
//
// It reads the SQL with the dialect's lexer, so that quoted text and
// comments are skipped, and refuses what it cannot read (an unclosed
// quote or comment). The database itself then checks the statement: the
// source prepares or describes it in a read-only transaction when the
// report is saved, and runs it read-only.
func checkSQL(sql string, d dialect) error {
	if err := facteur.CheckSQLText(sql); err != nil {
		return err
	}
	lx := lexer{sql: sql, d: d}
	first, prev, depth := "", "", 0
	for {
		tok, err := lx.next()
		if err != nil {
			return err
		}
		switch tok {
		case "":
			if first == "" {
				return facteur.Errorf(facteur.EINVALID, "sql: give a query (SELECT …)")
			}
			return nil
		case ";":
			for {
				rest, err := lx.next()
				if err != nil {
					return err
				}
				if rest == "" {
					return nil
				}
				if rest != ";" {
					return facteur.Errorf(facteur.EINVALID, "sql: give one statement; another one starts after the ; on line %d", lx.line(lx.start))
				}
			}
		case "(":
			depth++
		case ")":
			depth--
		}
		word := tok[0] == '_' || tok[0] >= 'A' && tok[0] <= 'Z'
		switch {
		case !word:
		case first == "":
			if !queryStart[d][tok] {
				return facteur.Errorf(facteur.EINVALID, "sql: give a query (SELECT …); a report's statement cannot start with %s", tok)
			}
			first = tok
		case tok == "INTO":
			return facteur.Errorf(facteur.EINVALID, "sql: SELECT … INTO writes its result somewhere; give a query that only reads")
		case tok == "LOAD_EXTENSION" && d == sqliteDialect:
			return facteur.Errorf(facteur.EINVALID, "sql: load_extension is not allowed")
		case writing[tok] && (prev == "(" || prev == ")" && depth == 0) && lx.peek() != '(':
			return facteur.Errorf(facteur.EINVALID, "sql: give a query that only reads; %s changes data", tok)
		}
		prev = tok
	}
}

// lexer splits SQL into the tokens checkSQL looks at: words (upper-cased),
// "(", ")", ";" and "." for anything else, skipping white space, comments
// and quoted strings and identifiers.
type lexer struct {
	sql        string
	d          dialect
	pos, start int
}

// line returns the line number of byte offset i.
func (lx *lexer) line(i int) int { return strings.Count(lx.sql[:i], "\n") + 1 }

// peek returns the next byte that is not white space, or 0 at the end.
func (lx *lexer) peek() byte {
	for i := lx.pos; i < len(lx.sql); i++ {
		if !isSpace(lx.sql[i]) {
			return lx.sql[i]
		}
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// next returns the next token, "" at the end.
func (lx *lexer) next() (string, error) {
	s := lx.sql
	for lx.pos < len(s) {
		lx.start = lx.pos
		c := s[lx.pos]
		switch {
		case isSpace(c):
			lx.pos++
		case c == '-' && strings.HasPrefix(s[lx.pos:], "--") && (lx.d != mysqlDialect || lx.pos+2 == len(s) || isSpace(s[lx.pos+2])),
			c == '#' && lx.d == mysqlDialect:
			if i := strings.IndexByte(s[lx.pos:], '\n'); i >= 0 {
				lx.pos += i + 1
			} else {
				lx.pos = len(s)
			}
		case c == '/' && strings.HasPrefix(s[lx.pos:], "/*"):
			if err := lx.comment(); err != nil {
				return "", err
			}
		case c == '\'':
			// PostgreSQL reads backslash escapes only in E'…' strings.
			esc := lx.d == mysqlDialect || lx.d == postgresDialect && lx.pos > 0 && (s[lx.pos-1] == 'E' || s[lx.pos-1] == 'e') &&
				(lx.pos == 1 || !isWordByte(s[lx.pos-2]))
			if err := lx.quoted('\'', esc, "a quoted string"); err != nil {
				return "", err
			}
		case c == '"':
			if err := lx.quoted('"', lx.d == mysqlDialect, "a double-quoted name"); err != nil {
				return "", err
			}
		case c == '`' && lx.d != postgresDialect:
			if err := lx.quoted('`', false, "a `quoted` name"); err != nil {
				return "", err
			}
		case c == '[' && lx.d == sqliteDialect:
			i := strings.IndexByte(s[lx.pos:], ']')
			if i < 0 {
				return "", facteur.Errorf(facteur.EINVALID, "sql: the [name] that starts on line %d is not closed", lx.line(lx.pos))
			}
			lx.pos += i + 1
		case c == '$' && lx.d == postgresDialect && (lx.pos == 0 || !isWordByte(s[lx.pos-1])):
			if err := lx.dollar(); err != nil {
				return "", err
			}
		case c == '(' || c == ')' || c == ';':
			lx.pos++
			return string(c), nil
		case isWordByte(c) && !(c >= '0' && c <= '9'):
			end := lx.pos
			for end < len(s) && (isWordByte(s[end]) || s[end] == '$') {
				end++
			}
			w := strings.ToUpper(s[lx.pos:end])
			lx.pos = end
			return w, nil
		default: // a number, an operator, a comma…
			lx.pos++
			if c >= '0' && c <= '9' {
				for lx.pos < len(s) && isWordByte(s[lx.pos]) {
					lx.pos++
				}
			}
			return ".", nil
		}
	}
	return "", nil
}

// comment skips a /* … */ comment (nested on PostgreSQL). MySQL runs the
// text of /*! … */ as SQL, so such a comment is refused.
func (lx *lexer) comment() error {
	s, open := lx.sql, lx.pos
	if lx.d == mysqlDialect && (strings.HasPrefix(s[lx.pos:], "/*!") || strings.HasPrefix(s[lx.pos:], "/*M!")) {
		return facteur.Errorf(facteur.EINVALID, "sql: MySQL runs the text of /*! … */ comments; remove the comment on line %d", lx.line(open))
	}
	depth := 0
	for lx.pos < len(s) {
		switch {
		case strings.HasPrefix(s[lx.pos:], "/*") && (depth == 0 || lx.d == postgresDialect):
			depth++
			lx.pos += 2
		case strings.HasPrefix(s[lx.pos:], "*/"):
			depth--
			lx.pos += 2
			if depth == 0 {
				return nil
			}
		default:
			lx.pos++
		}
	}
	return facteur.Errorf(facteur.EINVALID, "sql: the /* comment that starts on line %d is not closed", lx.line(open))
}

// quoted skips text quoted with q, where a doubled q stands for one and,
// with esc, a backslash escapes the next byte.
func (lx *lexer) quoted(q byte, esc bool, what string) error {
	s, open := lx.sql, lx.pos
	for lx.pos++; lx.pos < len(s); lx.pos++ {
		switch {
		case esc && s[lx.pos] == '\\':
			lx.pos++
		case s[lx.pos] == q && lx.pos+1 < len(s) && s[lx.pos+1] == q:
			lx.pos++
		case s[lx.pos] == q:
			lx.pos++
			return nil
		}
	}
	return facteur.Errorf(facteur.EINVALID, "sql: %s that starts on line %d is not closed", what, lx.line(open))
}

// dollar skips a PostgreSQL dollar-quoted string, $tag$ … $tag$; a $ that
// does not open one (a parameter such as $1) is skipped alone.
func (lx *lexer) dollar() error {
	s, open := lx.sql, lx.pos
	end := lx.pos + 1
	for end < len(s) && isWordByte(s[end]) && !(end == lx.pos+1 && s[end] >= '0' && s[end] <= '9') {
		end++
	}
	if end >= len(s) || s[end] != '$' {
		lx.pos++
		return nil
	}
	tag := s[lx.pos : end+1]
	i := strings.Index(s[end+1:], tag)
	if i < 0 {
		return facteur.Errorf(facteur.EINVALID, "sql: the %s string that starts on line %d is not closed", tag, lx.line(open))
	}
	lx.pos = end + 1 + i + len(tag)
	return nil
}
