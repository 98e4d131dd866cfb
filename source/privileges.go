package source

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// What a source's account may do beyond reading (PRODUCT G5). Reports run
// in read-only transactions, which stop INSERT, UPDATE and DELETE but not
// functions with side effects: a superuser's report can read the server's
// files (pg_read_file), end other sessions (pg_terminate_backend) or write
// files (SELECT … INTO OUTFILE). CheckRights lists such rights so that a
// source is refused until an administrator accepts them.

var (
	_ facteur.RightsChecker = (*Postgres)(nil)
	_ facteur.RightsChecker = (*MySQL)(nil)
	_ facteur.RightsChecker = (*SQLite)(nil)
)

// maxFindings bounds the rights listed; the rest are counted.
const maxFindings = 20

// rightsTimeout is the statement timeout of the inspection queries.
const rightsTimeout = 30 * time.Second

// pgRoles are the predefined roles whose members can do more than read,
// with what they allow. The cloud providers' administrator roles are
// listed too; a role a server does not have is skipped.
var pgRoles = []struct{ name, does string }{
	{"pg_read_server_files", "reads the server's files"},
	{"pg_write_server_files", "writes the server's files"},
	{"pg_execute_server_program", "runs programs on the server"},
	{"pg_signal_backend", "ends other sessions"},
	{"pg_write_all_data", "writes every table"},
	{"rds_superuser", "the cloud provider's administrator role"},
	{"cloudsqlsuperuser", "the cloud provider's administrator role"},
	{"azure_pg_admin", "the cloud provider's administrator role"},
	{"alloydbsuperuser", "the cloud provider's administrator role"},
}

// pgAttributes are the role attributes that give more than reading, in
// the order of the columns of pgRoleQuery after rolsuper.
var pgAttributes = []struct{ name, does string }{
	{"CREATEROLE", "creates roles and grants them"},
	{"CREATEDB", "creates databases"},
	{"REPLICATION", "streams every change of the server"},
	{"BYPASSRLS", "reads past row-level security"},
}

func pgRoleQuery() string {
	names := make([]string, len(pgRoles))
	for i, r := range pgRoles {
		names[i] = "'" + r.name + "'"
	}
	return `SELECT r.rolsuper::text, r.rolcreaterole::text, r.rolcreatedb::text, r.rolreplication::text, r.rolbypassrls::text,
	coalesce((SELECT string_agg(m.rolname, ',' ORDER BY m.rolname) FROM pg_roles m
		WHERE m.rolname IN (` + strings.Join(names, ", ") + `) AND pg_has_role(current_user, m.oid, 'MEMBER')), '')
FROM pg_roles r WHERE r.rolname = current_user`
}

// pgUserRelations keeps the tables, views and foreign tables of the
// schemas the account can use, leaving out the system's.
const pgUserRelations = ` pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
	AND n.nspname NOT IN ('pg_catalog', 'information_schema')
	AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
	AND has_schema_privilege(n.oid, 'USAGE')`

// pgTableQuery counts, per write privilege and then for ownership (an
// owner can grant itself any right), the tables concerned, with the first
// three names.
const pgTableQuery = `SELECT p.priv, count(*)::text,
	array_to_string((array_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname) ORDER BY n.nspname, c.relname))[1:3], ', ')
FROM (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(priv),` + pgUserRelations + `
	AND c.relkind <> 'm'
	AND CASE WHEN p.priv IN ('INSERT', 'UPDATE') THEN has_any_column_privilege(c.oid, p.priv) ELSE has_table_privilege(c.oid, p.priv) END
GROUP BY p.priv
UNION ALL
SELECT 'OWNER', count(*)::text,
	array_to_string((array_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname) ORDER BY n.nspname, c.relname))[1:3], ', ')
FROM` + pgUserRelations + `
	AND pg_has_role(c.relowner, 'MEMBER')
HAVING count(*) > 0`

// CheckRights inspects the PostgreSQL account: superuser and the other
// role attributes, membership (direct or inherited) in the predefined
// roles that reach the server's files, programs and other sessions, write
// privileges on tables, and ownership of tables.
func (p *Postgres) CheckRights(ctx context.Context) (facteur.SourceRights, error) {
	var r facteur.SourceRights
	rows, err := readText(ctx, p, pgRoleQuery())
	if err != nil {
		return r, err
	}
	if len(rows) != 1 || len(rows[0]) != 6 {
		return r, facteur.Errorf(facteur.EINTERNAL, "source rights: the role of the current user was not found")
	}
	role := rows[0]
	if role[0] == "true" {
		r.Extra = append(r.Extra, "superuser (can do anything: read and write the server's files, run programs, end sessions, write every table)")
		return r, nil
	}
	for i, a := range pgAttributes {
		if role[i+1] == "true" {
			r.Extra = append(r.Extra, a.name+" ("+a.does+")")
		}
	}
	if role[5] != "" {
		member := strings.Split(role[5], ",")
		for _, pr := range pgRoles {
			for _, m := range member {
				if m == pr.name {
					r.Extra = append(r.Extra, "member of "+pr.name+" ("+pr.does+")")
				}
			}
		}
	}
	tables, err := readText(ctx, p, pgTableQuery)
	if err != nil {
		return r, err
	}
	order := map[string]int{"INSERT": 0, "UPDATE": 1, "DELETE": 2, "TRUNCATE": 3, "OWNER": 4}
	found := make([][]string, len(order))
	for _, t := range tables {
		if i, ok := order[t[0]]; ok && len(t) == 3 {
			found[i] = t
		}
	}
	for _, t := range found {
		if t == nil {
			continue
		}
		n, _ := strconv.Atoi(t[1])
		what := t[0] + " on " + tableList(n, t[2])
		if t[0] == "OWNER" {
			what = "owner of " + tableList(n, t[2]) + " (an owner can grant itself any right on them)"
		}
		r.Extra = append(r.Extra, what)
	}
	return r, nil
}

// tableList says "public.a" for one table and "3 tables (public.a, …)"
// for more, where sample holds the first names.
func tableList(n int, sample string) string {
	if n == 1 {
		return sample
	}
	more := ""
	if n > 3 {
		more = ", …"
	}
	return fmt.Sprintf("%d tables (%s%s)", n, sample, more)
}

// myReadOnly are the MySQL/MariaDB privileges that only read (or, for
// temporary tables, write nothing another session sees).
var myReadOnly = map[string]bool{
	"USAGE": true, "SELECT": true, "SHOW VIEW": true, "SHOW DATABASES": true,
	"LOCK TABLES": true, "EXECUTE": true, "CREATE TEMPORARY TABLES": true,
}

// myExplained are the privileges whose reach a user may not guess.
var myExplained = map[string]string{
	"FILE":           "reads and writes the server's files",
	"SUPER":          "administers the server",
	"PROCESS":        "sees every session's queries",
	"SHUTDOWN":       "stops the server",
	"ALL PRIVILEGES": "every right",
	"GRANT OPTION":   "grants its rights to others",
}

// maxRoles bounds the roles whose grants CheckRights follows.
const maxRoles = 16

// CheckRights inspects the MySQL/MariaDB account with SHOW GRANTS, and
// the grants of the roles it was given: every privilege but those that
// only read, at any level (global, database, table, column), and the
// right to grant (WITH GRANT OPTION).
func (m *MySQL) CheckRights(ctx context.Context) (facteur.SourceRights, error) {
	var r facteur.SourceRights
	seen, listed := map[string]bool{}, map[string]bool{}
	todo := []string{"SHOW GRANTS"}
	for len(todo) > 0 && len(seen) <= maxRoles {
		stmt := todo[0]
		todo = todo[1:]
		if seen[stmt] {
			continue
		}
		seen[stmt] = true
		rows, err := readText(ctx, m, stmt)
		if err != nil {
			return r, err
		}
		for _, row := range rows {
			if len(row) == 0 {
				continue
			}
			g, ok := parseGrant(row[0])
			if !ok {
				continue
			}
			if g.role != "" {
				todo = append(todo, "SHOW GRANTS FOR "+g.role)
				continue
			}
			// An active role's grants are shown with the user's too.
			for _, f := range g.findings() {
				if !listed[f] {
					listed[f] = true
					r.Extra = append(r.Extra, f)
				}
			}
		}
	}
	if len(r.Extra) > maxFindings {
		n := len(r.Extra) - maxFindings
		r.Extra = append(r.Extra[:maxFindings], fmt.Sprintf("and %d more grants", n))
	}
	return r, nil
}

// grant is one line of SHOW GRANTS: privileges on a target, or a role.
type grant struct {
	privs       []string
	on          string
	grantOption bool
	role        string // quoted as SHOW GRANTS wrote it, for GRANT role TO user
}

// parseGrant reads "GRANT p1, p2 (col) ON target TO user [… WITH GRANT
// OPTION]" or "GRANT role TO user". Other lines (SET DEFAULT ROLE) are
// not grants.
func parseGrant(line string) (grant, bool) {
	var g grant
	rest, ok := strings.CutPrefix(line, "GRANT ")
	if !ok {
		return g, false
	}
	parts := splitOutside(rest, " TO ")
	if len(parts) < 2 {
		return g, false
	}
	what, to := parts[0], strings.Join(parts[1:], " TO ")
	g.grantOption = strings.Contains(to, " WITH GRANT OPTION")
	on := splitOutside(what, " ON ")
	if len(on) < 2 {
		g.role = strings.TrimSpace(what)
		return g, g.role != ""
	}
	g.on = strings.ReplaceAll(strings.TrimSpace(strings.Join(on[1:], " ON ")), "`", "")
	for _, p := range splitOutside(on[0], ",") {
		if i := strings.IndexByte(p, '('); i >= 0 {
			p = p[:i] // a column list
		}
		if p = strings.ToUpper(strings.TrimSpace(p)); p != "" {
			g.privs = append(g.privs, p)
		}
	}
	return g, true
}

// findings lists the rights of g beyond reading: each explained one on
// its own, the others together.
func (g grant) findings() []string {
	var out, plain []string
	privs := g.privs
	if g.grantOption {
		privs = append(privs, "GRANT OPTION")
	}
	for _, p := range privs {
		switch {
		case myReadOnly[p]:
		case myExplained[p] != "":
			out = append(out, p+" on "+g.on+" ("+myExplained[p]+")")
		default:
			plain = append(plain, p)
		}
	}
	if len(plain) > 0 {
		out = append(out, strings.Join(plain, ", ")+" on "+g.on)
	}
	return out
}

// splitOutside splits s around sep where sep is outside backticks, quotes
// and parentheses.
func splitOutside(s, sep string) []string {
	var out []string
	var quote byte
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '`' || c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}

// CheckRights opens the file as a query would. SQLite needs no account:
// the file is opened read-only, so whether Facteur may write it does not
// matter; the finding says so.
func (s *SQLite) CheckRights(ctx context.Context) (facteur.SourceRights, error) {
	var r facteur.SourceRights
	if err := s.Ping(ctx); err != nil {
		return r, err
	}
	r.Notes = append(r.Notes, "SQLite files are opened read-only (mode=ro, query_only): Facteur never writes the file, whatever its permissions.")
	return r, nil
}

// readText runs sql as a report would (read-only, with a statement timeout)
// and returns its rows as text, NULL as "".
func readText(parent context.Context, q facteur.Querier, sql string) ([][]string, error) {
	ctx, cancel := withPingTimeout(parent)
	defer cancel()
	rows, err := q.Query(ctx, facteur.Query{SQL: sql, Timeout: rightsTimeout})
	if err != nil {
		return nil, fmt.Errorf("source rights: %w", err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		row := rows.Row()
		vals := make([]string, len(row))
		for i, v := range row {
			vals[i] = string(v)
		}
		out = append(out, vals)
		if len(out) > 1000 {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("source rights: %w", err)
	}
	return out, rows.Close()
}
