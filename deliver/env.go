package deliver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail"
)

// Env is what deliverers need from the rest of Facteur. The zero value
// works: no config is saved and connections use a plain net.Dialer.
type Env struct {
	// DestinationID is the id of the destination being opened (0 while it
	// is being created).
	DestinationID int64
	// SaveConfig stores a destination's updated config, e.g. the SFTP host
	// key recorded on the first successful connection. Nil skips saving.
	SaveConfig func(ctx context.Context, id int64, config json.RawMessage) error
	// Dial opens every outbound connection, so that the outbound guard can
	// refuse link-local and metadata addresses at connect time. Nil uses a
	// net.Dialer with a 30 s timeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Links returns a download link to an artifact, for webhooks that send
	// a link instead of the file. Nil leaves links out.
	Links func(a *facteur.Artifact) (string, error)
	// Mail sends a mail at once (e-mail destinations, inside the run's own
	// durable job) and returns the server's reply accepting it. Nil:
	// e-mail destinations fail.
	Mail func(ctx context.Context, m mail.Message) (reply string, err error)
	// Recipients records what became of each recipient of a run's mail,
	// so that a resumed run skips those already sent. Nil records nothing.
	Recipients facteur.MailRecipients
	// Accounts returns the addresses of Facteur's accounts, part of the
	// organisation (facteur.Policy.InOrganisation). Nil: none.
	Accounts func(ctx context.Context) ([]string, error)
	// DestinationName is the name of the destination being opened, for
	// the Send test mail to say.
	DestinationName string
	// PublicURL is this Facteur's address, for the Send test mail to say.
	PublicURL string
	// Logger receives what a deliverer cannot report otherwise; nil
	// discards it.
	Logger *slog.Logger
	// Policy returns the server's policy (attachment limit, link lifetime).
	Policy func(ctx context.Context) (facteur.Policy, error)
	// MailHost is the host part of Message-IDs.
	MailHost string
	// RecipientGroups returns the addresses of the members of recipient
	// groups at this moment, and why members were left out
	// (facteur.ResolveGroups). Nil: a destination that names groups
	// fails.
	RecipientGroups func(ctx context.Context, ids []int64) (facteur.GroupRecipients, error)
	// RunLog writes a line in a run's log (what a deliverer left out and
	// why). Nil writes nothing.
	RunLog func(ctx context.Context, runID int64, level, message string)
}

// dialTimeout bounds the connection to a destination when Env.Dial is nil.
const dialTimeout = 30 * time.Second

// DialContext opens a connection through env.Dial or a plain dialer.
func (env Env) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if env.Dial != nil {
		return env.Dial(ctx, network, addr)
	}
	d := net.Dialer{Timeout: dialTimeout}
	return d.DialContext(ctx, network, addr)
}
