package store

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// SetMailRecipient records the state of one recipient of a run's mail; a
// recipient already sent stays sent.
func (s *store) SetMailRecipient(ctx context.Context, r *facteur.MailRecipient) error {
	switch {
	case r.Purpose != facteur.MailDelivery && r.Purpose != facteur.MailAlert:
		return facteur.Errorf(facteur.EINVALID, "mail recipient: purpose %q is neither %s nor %s", r.Purpose, facteur.MailDelivery, facteur.MailAlert)
	case r.State != facteur.MailQueued && r.State != facteur.MailSent && r.State != facteur.MailFailed:
		return facteur.Errorf(facteur.EINVALID, "mail recipient: state %q is not queued, sent or failed", r.State)
	}
	r.Reply = cut(r.Reply, facteur.MaxMailReply)
	r.UpdatedAt = now()
	_, err := s.q.exec(ctx, `INSERT INTO mail_recipients (run_id, purpose, address, state, reply, message_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, purpose, address) DO UPDATE SET state = excluded.state, reply = excluded.reply,
			message_id = excluded.message_id, updated_at = excluded.updated_at
		WHERE mail_recipients.state <> 'sent'`,
		r.RunID, r.Purpose, r.Address, string(r.State), r.Reply, r.MessageID, s.dialect.ts(r.UpdatedAt))
	if isForeignKeyViolation(err) {
		return facteur.Errorf(facteur.ENOTFOUND, "run %d not found", r.RunID)
	} else if err != nil {
		return fmt.Errorf("record mail recipient: %w", err)
	}
	return nil
}

// MailRecipients returns the recipients of a run's mails, deliveries
// first.
func (s *store) MailRecipients(ctx context.Context, runID int64) ([]*facteur.MailRecipient, error) {
	rows, err := s.q.query(ctx, `SELECT purpose, address, state, reply, message_id, updated_at FROM mail_recipients
		WHERE run_id = ? ORDER BY CASE purpose WHEN 'delivery' THEN 0 ELSE 1 END, id`, runID)
	if err != nil {
		return nil, fmt.Errorf("mail recipients: %w", err)
	}
	defer rows.Close()
	out := []*facteur.MailRecipient{}
	for rows.Next() {
		r := &facteur.MailRecipient{RunID: runID}
		var state string
		if err := rows.Scan(&r.Purpose, &r.Address, &state, &r.Reply, &r.MessageID, timeScan{&r.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("mail recipients: %w", err)
		}
		r.State = facteur.MailState(state)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mail recipients: %w", err)
	}
	return out, nil
}

// cut shortens s to at most n bytes, on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
