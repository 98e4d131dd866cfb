package sftp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// netError explains a failure to reach or talk to the server. Everything
// but a cancelled delivery and an address the outbound guard refuses is
// EUNAVAILABLE: trying again later may help.
func (s *SFTP) netError(ctx context.Context, err error) error {
	addr := s.cfg.addr()
	var dnsErr *net.DNSError
	if fe := deliver.Refusal(err); fe != nil {
		return facteur.WrapError(facteur.EINVALID, err, "Connection failed. %s", fe.Message)
	}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return facteur.WrapError(facteur.ECANCELLED, err, "The delivery to %s was cancelled.", s.where())
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. The delivery to %s took too long and was stopped.", s.where())
	case errors.Is(err, syscall.ECONNREFUSED):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. The server at %s refused the connection: check the host and port, and that the SFTP server is running.", addr)
	case errors.As(err, &dnsErr):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. The host name %s cannot be resolved: check the host.", s.cfg.Host)
	case isTimeout(err):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. The server at %s did not answer within %s: check the host and port, and that a firewall lets Facteur in.", addr, s.cfg.timeout())
	case isConnLost(err):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. The server at %s closed the connection.", addr)
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. Cannot talk to the server at %s: %v.", addr, err)
}

// handshakeError explains a failed SSH handshake or login.
func (s *SFTP) handshakeError(ctx context.Context, err error, keyErr *hostKeyError) error {
	var algErr *ssh.AlgorithmNegotiationError
	switch {
	case keyErr != nil || errors.As(err, &keyErr):
		return keyErr.userError()
	case ctx.Err() != nil:
		return s.netError(ctx, err)
	case strings.Contains(err.Error(), "unable to authenticate"), strings.Contains(err.Error(), "Too many authentication failures"):
		how := "a password"
		switch {
		case s.signer != nil && s.cfg.Password != "":
			how = "its key and password"
		case s.signer != nil:
			how = "its key (give the partner the destination's public key)"
		}
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Validation failed. Check your credentials: the server at %s refused user %s with %s.", s.cfg.addr(), s.cfg.User, how)
	case errors.As(err, &algErr) && algErr.What == "host key" && s.pinnedHostKey() != nil:
		pinned := s.pinnedHostKey()
		return facteur.WrapError(facteur.EUNAUTHORIZED, err, "Host key changed: the server at %s has no %s host key any more (it offers %s), and %s is pinned. If the partner really changed it, update the destination's host key.",
			s.cfg.addr(), pinned.Type(), strings.Join(algErr.RequestedAlgorithms, ", "), ssh.FingerprintSHA256(pinned))
	case errors.As(err, &algErr):
		return facteur.WrapError(facteur.EINVALID, err, "Connection failed. The server at %s and Facteur have no SSH algorithm in common: %v.", s.cfg.addr(), algErr)
	}
	return s.netError(ctx, err)
}

// sftpStartError explains a server that lets the user in but offers no
// SFTP.
func (s *SFTP) sftpStartError(ctx context.Context, err error) error {
	if ctx.Err() != nil || isTimeout(err) || isConnLost(err) {
		return s.netError(ctx, err)
	}
	return facteur.WrapError(facteur.EINVALID, err, "Connection failed. The server at %s does not offer SFTP to user %s: %v.", s.cfg.addr(), s.cfg.User, err)
}

// dirError explains a failure to look at the destination directory.
func (s *SFTP) dirError(ctx context.Context, err error) error {
	dir := s.cfg.dir()
	switch {
	case ctx.Err() != nil:
		return s.netError(ctx, err)
	case errors.Is(err, os.ErrNotExist):
		return facteur.WrapError(facteur.EINVALID, err, "Directory %s does not exist on the server. Create it or correct the directory.", dir)
	case errors.Is(err, os.ErrPermission):
		return facteur.WrapError(facteur.EINVALID, err, "Directory %s is not writable by %s.", dir, s.cfg.User)
	case isStatus(err):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. The server cannot read directory %s: %v.", dir, err)
	}
	return s.netError(ctx, err)
}

// uploadError explains a failure while writing, checking or renaming the
// file. Permission problems are settings to correct; anything else (a full
// disk, a lost connection) may pass.
func (s *SFTP) uploadError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return s.netError(ctx, err)
	case errors.Is(err, os.ErrPermission), errors.Is(err, os.ErrNotExist):
		return s.dirError(ctx, err)
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. Upload failed due to an error: %s.", describeErr(err))
}

// describeErr is a short cause for a message.
func describeErr(err error) string {
	switch {
	case isTimeout(err):
		return "the server stopped answering"
	case isConnLost(err):
		return "the connection was lost"
	}
	return err.Error()
}

// isTimeout reports a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// isConnLost reports a connection that was reset or closed under us.
func isConnLost(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pkgsftp.ErrSSHFxConnectionLost) || errors.Is(err, pkgsftp.ErrSSHFxNoConnection)
}

// isStatus reports an error status sent by the SFTP server.
func isStatus(err error) bool {
	var st *pkgsftp.StatusError
	return errors.As(err, &st)
}
