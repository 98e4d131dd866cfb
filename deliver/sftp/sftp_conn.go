package sftp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
)

// sftpSession is one logged-in SSH connection with its SFTP client. It is
// closed when its context is done, which stops any call in progress.
type sftpSession struct {
	raw    net.Conn
	idle   *idleConn
	ssh    *ssh.Client
	client *pkgsftp.Client
	stop   func() bool // unregisters the close on context end
}

// cause returns err, marked as a timeout when the connection went silent
// for too long: the SFTP client reports that only as a lost connection.
func (ss *sftpSession) cause(err error) error {
	if err != nil && ss.idle.timedOut.Load() {
		return fmt.Errorf("%w: %w", os.ErrDeadlineExceeded, err)
	}
	return err
}

// close ends the session.
func (ss *sftpSession) close() {
	ss.stop()
	_ = ss.client.Close()
	_ = ss.ssh.Close()
	_ = ss.raw.Close()
}

// connect dials the server, checks its host key, logs in and starts the
// SFTP subsystem. The host key is recorded on the first successful login
// when none is pinned. Errors are *facteur.Error with the code a user can
// act on.
func (s *SFTP) connect(ctx context.Context) (*sftpSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.netError(ctx, err)
	}
	timeout := s.cfg.timeout()
	addr := s.cfg.addr()

	dialCtx, cancel := context.WithTimeout(ctx, timeout)
	raw, err := s.env.DialContext(dialCtx, "tcp", addr)
	cancel()
	if err != nil {
		return nil, s.netError(ctx, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	fail := func(err error) (*sftpSession, error) {
		stop()
		_ = raw.Close()
		return nil, err
	}

	pinned := s.pinnedHostKey()
	var presented ssh.PublicKey
	var keyErr *hostKeyError
	cc := &ssh.ClientConfig{
		User: s.cfg.User,
		Auth: s.authMethods(),
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			presented = key
			if pinned != nil && !bytes.Equal(key.Marshal(), pinned.Marshal()) {
				keyErr = &hostKeyError{addr: addr, presented: key, pinned: pinned}
				return keyErr
			}
			return nil
		},
		Timeout:       timeout,
		ClientVersion: "SSH-2.0-Facteur",
	}
	if pinned != nil {
		// Ask for the pinned key's type, so that a server with several
		// host keys presents the one we know.
		cc.HostKeyAlgorithms = hostKeyAlgorithms(pinned)
	}
	conn := newIdleConn(raw, timeout)
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cc)
	if err != nil {
		return fail(s.handshakeError(ctx, err, keyErr))
	}
	sshClient := ssh.NewClient(c, chans, reqs)
	if pinned == nil {
		if err := s.recordHostKey(ctx, presented); err != nil {
			_ = sshClient.Close()
			return fail(err)
		}
	}
	client, err := pkgsftp.NewClient(sshClient, pkgsftp.UseConcurrentWrites(true), pkgsftp.UseConcurrentReads(true))
	if err != nil {
		_ = sshClient.Close()
		return fail(s.sftpStartError(ctx, err))
	}
	return &sftpSession{raw: raw, idle: conn, ssh: sshClient, client: client, stop: stop}, nil
}

// authMethods returns the ways to log in: the key first, then the
// password (also through keyboard-interactive, which many servers use for
// passwords).
func (s *SFTP) authMethods() []ssh.AuthMethod {
	var m []ssh.AuthMethod
	if s.signer != nil {
		m = append(m, ssh.PublicKeys(s.signer))
	}
	if pw := s.cfg.Password; pw != "" {
		m = append(m, ssh.Password(pw), ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
			answers := make([]string, len(questions))
			for i := range questions {
				if !echos[i] {
					answers[i] = pw
				}
			}
			return answers, nil
		}))
	}
	return m
}

// pinnedHostKey returns the host key the server must present, or nil when
// the first one is to be recorded.
func (s *SFTP) pinnedHostKey() ssh.PublicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hostKey
}

// HostKey returns the server's host key in authorized_keys form: the one
// configured, or the one recorded on the first successful login; "" while
// none is known.
func (s *SFTP) HostKey() string {
	k := s.pinnedHostKey()
	if k == nil {
		return ""
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// recordHostKey pins the key a server presented on the first successful
// login, and saves the destination's config with it (secrets included) via
// Env.SaveConfig. A concurrent delivery that recorded another key meanwhile
// makes this one fail as a changed host key.
func (s *SFTP) recordHostKey(ctx context.Context, key ssh.PublicKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hostKey != nil {
		if !bytes.Equal(s.hostKey.Marshal(), key.Marshal()) {
			return (&hostKeyError{addr: s.cfg.addr(), presented: key, pinned: s.hostKey}).userError()
		}
		return nil
	}
	cfg := s.cfg // s.cfg itself never changes: it is read without the lock
	cfg.HostKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	if s.env.SaveConfig != nil {
		raw, err := json.Marshal(cfg)
		if err != nil {
			return fmt.Errorf("encode sftp config: %w", err)
		}
		if err := s.env.SaveConfig(ctx, s.env.DestinationID, raw); err != nil {
			return facteur.WrapError(facteur.EUNAVAILABLE, err, "Cannot record the host key of the SFTP server at %s; nothing was delivered. Try again.", s.cfg.addr())
		}
	}
	s.hostKey = key
	return nil
}

// hostKeyAlgorithms lists the signature algorithms of a host key's type.
func hostKeyAlgorithms(k ssh.PublicKey) []string {
	if k.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{k.Type()}
}

// hostKeyError is a server presenting another host key than the pinned one.
type hostKeyError struct {
	addr      string
	presented ssh.PublicKey
	pinned    ssh.PublicKey
}

func (e *hostKeyError) Error() string {
	return "ssh: host key mismatch: got " + ssh.FingerprintSHA256(e.presented) + ", want " + ssh.FingerprintSHA256(e.pinned)
}

// userError explains the mismatch; it is never retried.
func (e *hostKeyError) userError() *facteur.Error {
	return facteur.WrapError(facteur.EUNAUTHORIZED, e,
		"Host key changed: the server at %s presented %s %s but %s is pinned. If the partner really changed it, update the destination's host key.",
		e.addr, e.presented.Type(), ssh.FingerprintSHA256(e.presented), ssh.FingerprintSHA256(e.pinned))
}

// idleConn fails a read or write after the connection has been silent for
// its timeout in both directions: a server that stops answering mid-transfer
// fails the delivery instead of hanging it.
type idleConn struct {
	net.Conn
	timeout  time.Duration
	last     atomic.Int64 // unix nanoseconds of the last deadline set
	timedOut atomic.Bool  // a read or write met the deadline
}

// newIdleConn wraps c, with a first deadline covering the SSH handshake.
func newIdleConn(c net.Conn, timeout time.Duration) *idleConn {
	ic := &idleConn{Conn: c, timeout: timeout}
	ic.extend(true)
	return ic
}

// extend pushes the deadline to timeout from now; at most once a second
// unless forced, since the calls come per packet.
func (c *idleConn) extend(force bool) {
	now := time.Now()
	if !force && now.UnixNano()-c.last.Load() < int64(time.Second) {
		return
	}
	c.last.Store(now.UnixNano())
	_ = c.Conn.SetDeadline(now.Add(c.timeout))
}

// Read reads, and counts any bytes read as activity.
func (c *idleConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.noteTimeout(err)
	if n > 0 {
		c.extend(false)
	}
	return n, err
}

// Write writes, and counts any bytes written as activity.
func (c *idleConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.noteTimeout(err)
	if n > 0 {
		c.extend(false)
	}
	return n, err
}

// noteTimeout records that the connection went silent past its deadline.
func (c *idleConn) noteTimeout(err error) {
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		c.timedOut.Store(true)
	}
}
