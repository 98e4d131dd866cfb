package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"net"

	"github.com/facteur/facteur"
)

// SettingsKey is the key of the server's mail settings in the store.
const SettingsKey = "mail"

// Service sends mail with the central settings kept in the store, and
// stores the tokens of an OAuth account when they are refreshed.
type Service struct {
	Store facteur.Store
	// Dial opens every connection (the outbound guard); nil: a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Settings returns the stored mail settings. When mail was never set up it
// fails with EINVALID saying where to set it up.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	raw, err := s.Store.Setting(ctx, SettingsKey)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return Settings{}, facteur.Errorf(facteur.EINVALID, "Mail is not set up: give the SMTP server in Settings → Mail (PUT /api/v1/settings/mail).")
	} else if err != nil {
		return Settings{}, err
	}
	return ParseSettings(raw)
}

// Save validates and stores settings.
func (s *Service) Save(ctx context.Context, st Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode mail settings: %w", err)
	}
	return s.Store.PutSetting(ctx, SettingsKey, raw)
}

// Send sends m with the stored settings. Errors are those of Sender.Send.
func (s *Service) Send(ctx context.Context, m Message) error {
	_, err := s.Submit(ctx, m)
	return err
}

// Submit sends m with the stored settings and returns the server's reply
// accepting it; see Sender.Submit.
func (s *Service) Submit(ctx context.Context, m Message) (reply string, err error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return "", err
	}
	sender := &Sender{Settings: st, Dial: s.Dial, OnToken: func(ctx context.Context, o OAuth) error {
		cur, err := s.Settings(ctx)
		if err != nil {
			return err
		}
		cur.OAuth = &o
		return s.Save(ctx, cur)
	}}
	return sender.Submit(ctx, m)
}
