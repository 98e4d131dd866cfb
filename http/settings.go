package http

import (
	"encoding/json"
	"net"
	"net/http"
	nmail "net/mail"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/http/apitypes"
	"github.com/facteur/facteur/mail"
)

func (s *Server) getMailSettings(r *http.Request) (int, any, error) {
	if _, err := s.Store.Setting(r.Context(), mail.SettingsKey); facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return http.StatusOK, apitypes.MailSettings{SecretsSet: []string{}}, nil
	}
	st, err := s.Mail.Settings(r.Context())
	if err != nil {
		return 0, nil, err
	}
	shown, set := st.Redact()
	if set == nil {
		set = []string{}
	}
	return http.StatusOK, apitypes.MailSettings{Configured: true, Settings: &shown, SecretsSet: set}, nil
}

// putMailSettings saves the central SMTP settings; secrets left empty keep
// their stored values (for the same server).
func (s *Server) putMailSettings(r *http.Request) (int, any, error) {
	raw, err := readJSON(r)
	if err != nil {
		return 0, nil, err
	}
	st, err := mail.ParseSettings(raw)
	if err != nil {
		return 0, nil, err
	}
	if prev, err := s.Mail.Settings(r.Context()); err == nil {
		st = st.KeepSecrets(prev)
	}
	if s.CheckURL != nil {
		if err := s.CheckURL("https://" + net.JoinHostPort(st.Host, "1")); err != nil {
			return 0, nil, err
		}
	}
	if err := s.Mail.Save(r.Context(), st); err != nil {
		return 0, nil, err
	}
	return s.getMailSettings(r)
}

// testMail sends a test e-mail at once with the stored settings (D2) and
// reports the server's answer.
func (s *Server) testMail(r *http.Request) (int, any, error) {
	var in struct {
		To string `json:"to"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if len(in.To) > facteur.MaxEmailLen {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "to: at most %d characters (this one has %d)", facteur.MaxEmailLen, len(in.To))
	}
	if addr, err := nmail.ParseAddress(in.To); err != nil || addr.Name != "" {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "to: %q is not an e-mail address", in.To)
	}
	m := mail.Message{
		ID:      mail.NewMessageID(s.MailHost),
		To:      []string{in.To},
		Subject: "Facteur test e-mail",
		Text:    "This is a test e-mail from Facteur: its mail settings work.\n",
	}
	if err := s.Mail.Send(r.Context(), m); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, apitypes.MailTest{OK: true, Message: "Sent to " + in.To + "."}, nil
}

func (s *Server) getPolicy(r *http.Request) (int, any, error) {
	p, err := s.policy(r)
	return http.StatusOK, p, err
}

// putPolicy saves the server's policy for e-mail destinations.
func (s *Server) putPolicy(r *http.Request) (int, any, error) {
	var p facteur.Policy
	if err := decode(r, &p); err != nil {
		return 0, nil, err
	}
	if err := p.Validate(); err != nil {
		return 0, nil, err
	}
	raw, err := json.Marshal(p.WithDefaults())
	if err != nil {
		return 0, nil, err
	}
	if err := s.Store.PutSetting(r.Context(), facteur.PolicyKey, raw); err != nil {
		return 0, nil, err
	}
	return s.getPolicy(r)
}

// policy returns the stored policy, with defaults.
func (s *Server) policy(r *http.Request) (facteur.Policy, error) {
	return auth.LoadPolicy(r.Context(), s.Store)
}
