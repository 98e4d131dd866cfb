package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// sqlTime is how the demo stores times: ISO text in UTC.
const sqlTime = "2006-01-02 15:04:05"

// batchRows is how many rows one INSERT statement carries: far fewer
// statements to run, well under SQLite's limit of bound parameters.
const batchRows = 64

// writer inserts the demo's rows, batchRows at a time.
type writer struct {
	agents, customers, tickets, messages *batch
}

// newWriter prepares the inserts in tx.
func newWriter(ctx context.Context, tx *sql.Tx) *writer {
	return &writer{
		agents:    newBatch(ctx, tx, "agents", "id, full_name, email, phone, team, hired_on, active"),
		customers: newBatch(ctx, tx, "customers", "id, first_name, last_name, email, phone, company, city, country, created_at"),
		tickets:   newBatch(ctx, tx, "tickets", "id, customer_id, agent_id, subject, status, priority, channel, created_at, updated_at, solved_at, satisfaction"),
		messages:  newBatch(ctx, tx, "messages", "id, ticket_id, author, body, created_at"),
	}
}

// agent inserts an agent.
func (w *writer) agent(a *agent) error {
	return w.agents.add(a.id, a.full, a.email, a.phone, a.team, a.hired.Format(time.DateOnly), a.active)
}

// customer inserts a customer.
func (w *writer) customer(c *customer) error {
	return w.customers.add(c.id, c.first, c.last, c.email, c.phone, c.company, c.city, c.country, c.created.Format(sqlTime))
}

// ticket inserts a ticket and its messages.
func (w *writer) ticket(t *ticket, msgs []message) error {
	agentID := sql.NullInt64{Int64: t.agent, Valid: t.agent != 0}
	satisfaction := sql.NullInt64{Int64: t.satisfaction, Valid: t.satisfaction != 0}
	var solved sql.NullString
	if !t.solved.IsZero() {
		solved = sql.NullString{String: t.solved.Format(sqlTime), Valid: true}
	}
	err := w.tickets.add(t.id, t.customer, agentID, t.subject, t.status, t.priority, t.channel,
		t.created.Format(sqlTime), t.updated.Format(sqlTime), solved, satisfaction)
	if err != nil {
		return err
	}
	for i := range msgs {
		m := &msgs[i]
		if err := w.messages.add(m.id, m.ticket, m.author, m.body, m.created.Format(sqlTime)); err != nil {
			return err
		}
	}
	return nil
}

// flush inserts the rows still waiting, and releases the statements.
func (w *writer) flush() error {
	for _, b := range []*batch{w.agents, w.customers, w.tickets, w.messages} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return nil
}

// close releases the statements.
func (w *writer) close() {
	for _, b := range []*batch{w.agents, w.customers, w.tickets, w.messages} {
		if b.full != nil {
			b.full.Close()
		}
	}
}

// batch collects the rows of one table and inserts them batchRows at a
// time with one prepared statement.
type batch struct {
	ctx   context.Context
	tx    *sql.Tx
	table string
	cols  string
	ncols int
	full  *sql.Stmt // inserts batchRows rows; prepared on first use
	args  []any
}

// newBatch returns an empty batch of rows for table.
func newBatch(ctx context.Context, tx *sql.Tx, table, cols string) *batch {
	n := strings.Count(cols, ",") + 1
	return &batch{ctx: ctx, tx: tx, table: table, cols: cols, ncols: n, args: make([]any, 0, n*batchRows)}
}

// add adds a row, and inserts the batch when it is full.
func (b *batch) add(row ...any) error {
	b.args = append(b.args, row...)
	if len(b.args) < b.ncols*batchRows {
		return nil
	}
	if b.full == nil {
		stmt, err := b.tx.PrepareContext(b.ctx, b.insert(batchRows))
		if err != nil {
			return fmt.Errorf("prepare insert into %s: %w", b.table, err)
		}
		b.full = stmt
	}
	if _, err := b.full.ExecContext(b.ctx, b.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	b.args = b.args[:0]
	return nil
}

// flush inserts the rows of a batch that is not full.
func (b *batch) flush() error {
	if len(b.args) == 0 {
		return nil
	}
	if _, err := b.tx.ExecContext(b.ctx, b.insert(len(b.args)/b.ncols), b.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", b.table, err)
	}
	b.args = b.args[:0]
	return nil
}

// insert returns an INSERT statement of rows rows.
func (b *batch) insert(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.ncols), ", ") + ")"
	return "INSERT INTO " + b.table + " (" + b.cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}
