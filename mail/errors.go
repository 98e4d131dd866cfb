package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	gomail "github.com/wneessen/go-mail"

	"github.com/facteur/facteur"
)

// sendError turns an error of go-mail into one a user can act on, saying
// whether a retry can help (EUNAVAILABLE) or not.
func sendError(ctx context.Context, st Settings, err error) error {
	addr := st.addr()
	var (
		sendErr    *gomail.SendError
		protoErr   *textproto.Error
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
		dnsErr     *net.DNSError
		netErr     net.Error
		userErr    *facteur.Error
	)
	switch {
	case errors.As(err, &userErr): // from Sender.Dial, e.g. the outbound guard
		return userErr
	case errors.Is(ctx.Err(), context.Canceled):
		return facteur.WrapError(facteur.ECANCELLED, err, "Sending the mail was cancelled.")
	case ctx.Err() != nil:
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Sending the mail through %s took too long and was stopped; it will be tried again.", addr)

	// TLS
	case errors.As(err, &unknownCA), errors.As(err, &verifyErr) && errors.As(verifyErr.Err, &unknownCA):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: the certificate of %s is not signed by a trusted authority; if the server uses a private CA, give it in smtp.ca_cert.", st.Host)
	case errors.As(err, &hostErr):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: the certificate of the server is not valid for %s (%s); check smtp.host.", st.Host, hostErr.Error())
	case errors.As(err, &invalidErr):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: the certificate of %s is not valid (%s).", st.Host, invalidErr.Error())
	case errors.As(err, &verifyErr):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: the certificate of %s was refused (%s).", st.Host, verifyErr.Err)
	case errors.As(err, &recordErr):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: %s does not speak TLS from the start; use security starttls (usually port 587) or check smtp.port.", addr)
	case errors.As(err, &alertErr):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: the handshake with %s failed (%s).", addr, alertErr.Error())
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return facteur.WrapError(facteur.EINVALID, err, "TLS: %s does not offer STARTTLS; use security tls (usually port 465), or check smtp.port.", addr)

	// Authentication
	case strings.Contains(err.Error(), "server does not support SMTP AUTH"):
		return facteur.WrapError(facteur.EINVALID, err, "smtp.auth: %s does not offer authentication; set auth to none if it relays without a password.", addr)
	case errors.Is(err, gomail.ErrPlainAuthNotSupported), errors.Is(err, gomail.ErrLoginAuthNotSupported), errors.Is(err, gomail.ErrXOauth2AuthNotSupported):
		return facteur.WrapError(facteur.EINVALID, err, "smtp.auth: %s does not offer %s authentication; choose another mechanism.", addr, strings.ToUpper(st.Auth))

	// Replies of the server
	case errors.As(err, &sendErr):
		return replyError(err, sendErr)
	case errors.As(err, &protoErr):
		return protoError(st, err, protoErr)

	// Network
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return facteur.WrapError(facteur.EINVALID, err, "smtp.host: %s is not a known host name.", st.Host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot connect to %s: the connection was refused. Check smtp.host and smtp.port; it will be tried again.", addr)
	case errors.As(err, &netErr) && netErr.Timeout():
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The mail server %s did not answer in time; it will be tried again.", addr)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The connection to %s was lost; it will be tried again.", addr)
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Sending the mail through %s failed; it will be tried again.", addr)
}

// protoError maps a reply of the server before the mail was submitted:
// greeting, EHLO, STARTTLS or AUTH.
func protoError(st Settings, err error, e *textproto.Error) error {
	text := fmt.Sprintf("%d %s", e.Code, oneLine(e.Msg))
	switch {
	case e.Code == 535 || e.Code == 534 || e.Code == 530 || e.Code == 538:
		if st.Auth == AuthXOAuth2 {
			return facteur.WrapError(facteur.EUNAUTHORIZED, err, "SMTP authentication failed: the server refused the OAuth token for %s; check the user name, or connect the account again in Settings → Mail (%s).", st.Username, text)
		}
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "SMTP authentication failed: check the user name and password.")
	case e.Code == 523:
		return facteur.WrapError(facteur.EINVALID, err, "TLS: the server requires an encrypted connection; use security starttls or tls (%s).", text)
	case e.Code >= 400 && e.Code < 500:
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The mail server is busy or temporarily failing (%s); it will be tried again.", text)
	}
	return facteur.WrapError(facteur.EINVALID, err, "The mail server refused the connection: %s.", text)
}

// quotedReply matches a reply code and the quoted text of the server.
var quotedReply = regexp.MustCompile(`\b[2-5][0-9][0-9] "(?:[^"\\]|\\.)*"`)

// replyError maps an error while submitting the mail (MAIL, RCPT, DATA).
func replyError(err error, e *gomail.SendError) error {
	text := e.Error()
	if i := strings.Index(text, ", affected message ID"); i >= 0 {
		text = text[:i]
	}
	text, rcpts, _ := strings.Cut(text, ", affected recipient(s): ")
	text = strings.TrimPrefix(text, e.Reason.String()+": ")
	// net/textproto quotes the server's text: 550 "5.1.1 No such user".
	text = oneLine(quotedReply.ReplaceAllStringFunc(text, func(s string) string {
		if msg, err := strconv.Unquote(s[4:]); err == nil {
			return s[:4] + msg
		}
		return s
	}))
	code := e.ErrorCode()
	switch {
	case e.IsTemp() || (code >= 400 && code < 500):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The mail server deferred the mail (%s); it will be tried again.", text)
	case code == 530 || code == 535:
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "The mail server requires authentication (%s): check smtp.auth, smtp.username and smtp.password.", text)
	case e.Reason == gomail.ErrSMTPRcptTo && code >= 500:
		return facteur.WrapError(facteur.EINVALID, err, "The mail server refused the recipient %s: %s. Check the address.", oneLine(rcpts), text)
	case e.Reason == gomail.ErrSMTPMailFrom && code >= 500:
		return facteur.WrapError(facteur.EINVALID, err, "The mail server refused the sender: %s. Check smtp.from: the account may not send as this address.", text)
	case code >= 500:
		return facteur.WrapError(facteur.EINVALID, err, "The mail server refused the mail: %s.", text)
	}
	// No reply code: the connection failed while the mail was being sent.
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "The connection to the mail server failed while sending (%s); it will be tried again.", text)
}
