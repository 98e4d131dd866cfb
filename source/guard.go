package source

import (
	"context"
	"errors"
	"net"

	"github.com/facteur/facteur"
)

// dialFunc opens a network connection, like net.Dialer.DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// refusedDial marks an error of Options.Dial that refused the address
// (a facteur EINVALID error, such as netguard's), so that classify reports
// it as such rather than as a server that cannot be reached.
type refusedDial struct{ err error }

func (e *refusedDial) Error() string { return e.err.Error() }
func (e *refusedDial) Unwrap() error { return e.err }

// guardedDial returns the dial function the drivers use: o.Dial for TCP,
// a plain dialer for a Unix socket (which Open admits only with
// o.AllowSocket), or nil when o.Dial is nil (the driver's own dialer).
func guardedDial(o Options) dialFunc {
	if o.Dial == nil {
		return nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if network == "unix" {
			if !o.AllowSocket {
				return nil, &refusedDial{facteur.Errorf(facteur.EINVALID, "Connections through a Unix socket are not allowed.")}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
		conn, err := o.Dial(ctx, network, addr)
		if err != nil && facteur.ErrorCode(err) == facteur.EINVALID {
			return nil, &refusedDial{err}
		}
		return conn, err
	}
}

// dialRefused returns the error for a connection Options.Dial refused, or
// nil when err is not one. The message is the guard's, naming "dsn".
func dialRefused(err error) error {
	var r *refusedDial
	if !errors.As(err, &r) {
		return nil
	}
	return facteur.WrapError(facteur.EINVALID, r, "dsn: %s", facteur.ErrorMessage(r.err))
}
