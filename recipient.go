package facteur

import (
	"context"
	"time"
)

// MailState is what became of one recipient of a run's mail.
type MailState string

// Mail states: queued until the server accepted the mail (sent) or the
// mail failed for good (failed).
const (
	MailQueued MailState = "queued"
	MailSent   MailState = "sent"
	MailFailed MailState = "failed"
)

// Purposes of a run's mail.
const (
	// MailDelivery is the file of an e-mail destination.
	MailDelivery = "delivery"
	// MailAlert is the failure alert of a run.
	MailAlert = "alert"
)

// MaxMailReply bounds the reply or reason kept for a recipient.
const MaxMailReply = 1000

// MailRecipient is one address a run mails (its file, or its failure
// alert), and what became of that mail: the run page shows it, and a
// resumed run skips the recipients already sent.
type MailRecipient struct {
	RunID int64 `json:"-"`
	// Purpose is MailDelivery or MailAlert.
	Purpose string    `json:"purpose"`
	Address string    `json:"address"`
	State   MailState `json:"state"`
	// Reply is the server's reply accepting the mail ("250 2.0.0 Ok:
	// queued as 4F2A9") when sent, why it failed when failed.
	Reply string `json:"reply,omitempty"`
	// MessageID is the mail's Message-ID: a mail sent again keeps it.
	MessageID string    `json:"message_id"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MailRecipients keeps what became of each recipient of a run's mails.
type MailRecipients interface {
	// SetMailRecipient records the state of one recipient of a run's mail
	// (by run, purpose and address) and sets its UpdatedAt. A recipient
	// recorded as sent stays sent: a later queued or failed state is
	// ignored (a mail is never unsent). ENOTFOUND when there is no such run.
	SetMailRecipient(ctx context.Context, r *MailRecipient) error
	// MailRecipients returns the recipients of a run's mails, alerts after
	// deliveries, each in the order first recorded.
	MailRecipients(ctx context.Context, runID int64) ([]*MailRecipient, error)
}
