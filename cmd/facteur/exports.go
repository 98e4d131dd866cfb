package main

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/links"
	"github.com/facteur/facteur/mail"
)

// exportLinkMailer returns what the runner calls when a one-off export is
// ready: it mails the account that asked a signed download link, valid at
// least 3 days (F5), through the durable outbox. Without mail settings it
// does nothing: the file is in the account's list of exports.
func exportLinkMailer(st facteur.Store, mailer *mail.Service, send func(context.Context, mail.Message) error, signer *links.Signer, host string) func(context.Context, *facteur.Run) error {
	return func(ctx context.Context, run *facteur.Run) error {
		if _, err := mailer.Settings(ctx); err != nil {
			return nil
		}
		u, err := st.User(ctx, run.RequestedBy)
		if err != nil {
			return err
		}
		p, err := auth.LoadPolicy(ctx, st)
		if err != nil {
			return err
		}
		ttl := max(p.LinkTTL(), facteur.DefaultLinkTTL)
		until := time.Now().Add(ttl).UTC().Format("2006-01-02 15:04 UTC")
		return send(ctx, mail.Message{
			ID:      mail.NewMessageID(host),
			To:      []string{u.Email},
			Subject: "Your export is ready: " + run.FileName,
			Text: fmt.Sprintf("Your export %s is ready: %d rows, %d bytes (SHA-256 %s).\n\nDownload it until %s:\n%s\n",
				run.FileName, run.Rows, run.Bytes, run.SHA256, until, signer.URL(run.ID, ttl)),
		})
	}
}
