package smtptest

import (
	"bytes"
	"strings"

	"github.com/emersion/go-smtp"
)

// xoauth2Server is the server side of XOAUTH2 as Gmail and Microsoft 365
// speak it: the client sends "user=U^Aauth=Bearer T^A^A"; a refused token
// gets a 334 challenge with a JSON error, which the client answers with an
// empty line, and then 535.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, true, smtp.ErrAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, field := range bytes.Split(resp, []byte{1}) {
		k, v, _ := strings.Cut(string(field), "=")
		switch k {
		case "user":
			user = v
		case "auth":
			token, _ = strings.CutPrefix(v, "Bearer ")
		}
	}
	if user != "" && token != "" && x.check(user, token) {
		return nil, true, nil
	}
	x.failed = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
}

// loginServer is the server side of the LOGIN mechanism.
type loginServer struct {
	check func(user, pass string) error
	user  *string
	step  int
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(resp) == 0 {
			return []byte("Username:"), false, nil
		}
		l.step++ // the user name came as the initial response
		fallthrough
	case 2:
		u := string(resp)
		l.user = &u
		return []byte("Password:"), false, nil
	default:
		if l.user == nil {
			return nil, true, smtp.ErrAuthFailed
		}
		return nil, true, l.check(*l.user, string(resp))
	}
}
