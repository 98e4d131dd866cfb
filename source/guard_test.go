package source

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/netguard"
)

// countingDial returns p.Dial and the number of connections it opened.
func countingDial(p netguard.Policy) (dialFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := p.Dial(ctx, network, addr)
		if err == nil {
			n.Add(1)
		}
		return c, err
	}, &n
}

// TestDialGuard checks that every connection to PostgreSQL and MariaDB goes
// through Options.Dial: with loopback refused nothing connects and Ping and
// Query fail with the guard's error; with loopback allowed queries work,
// through Dial.
func TestDialGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	my, _ := myAdmin(t)
	for name, dsn := range map[string]string{"postgres": pgDSN(t), "mysql": my} {
		dial, n := countingDial(netguard.Policy{})
		refused := open(t, dsn, Options{Dial: dial})
		wantCode(t, refused.Ping(ctx), facteur.EINVALID, "dsn: Connections to ", "not allowed", "loopback")
		_, err := refused.Query(ctx, facteur.Query{SQL: "SELECT 1"})
		wantCode(t, err, facteur.EINVALID, "dsn: Connections to ", "not allowed")
		if n.Load() != 0 {
			t.Errorf("%s: %d connections opened with loopback refused", name, n.Load())
		}

		dial, n = countingDial(netguard.Policy{AllowLoopback: true})
		allowed := open(t, dsn, Options{Dial: dial})
		if err := allowed.Ping(ctx); err != nil {
			t.Fatalf("%s: Ping with loopback allowed: %v", name, err)
		}
		if r := readAll(t, allowed, facteur.Query{SQL: "SELECT 1 AS one"}); len(r.rows) != 1 || r.rows[0][0] != "1" {
			t.Errorf("%s: rows %v", name, r.rows)
		}
		if n.Load() == 0 {
			t.Errorf("%s: the queries did not connect through Options.Dial", name)
		}
	}
}

// TestDialGuardMetadata checks that metadata addresses, in several
// spellings, are refused even with loopback and private addresses allowed,
// and that an allowed address that does not answer stays EUNAVAILABLE.
func TestDialGuardMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := netguard.Policy{AllowLoopback: true, AllowPrivate: true}
	for _, dsn := range []string{
		"postgres://u:s3cret@169.254.169.254/db",
		"postgres://u:s3cret@2852039166:5432/db",
		"postgres://u:s3cret@[::ffff:169.254.169.254]/db",
		"postgres://u:s3cret@metadata.google.internal/db?sslmode=require",
		"mysql://u:s3cret@169.254.169.254/db",
		"mariadb://u:s3cret@0xa9fea9fe:3306/db",
		"mysql://u:s3cret@[fd00:ec2::254]/db",
	} {
		src := open(t, dsn, Options{Dial: p.Dial})
		err := src.Ping(ctx)
		wantCode(t, err, facteur.EINVALID, "dsn: ", "not allowed")
		if msg := facteur.ErrorMessage(err); !strings.Contains(msg, "metadata") && !strings.Contains(msg, "link-local") {
			t.Errorf("%s: %q does not say why", dsn, msg)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error shows the password: %v", dsn, err)
		}
	}
	for _, dsn := range []string{"postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable", "mysql://u:s3cret@127.0.0.1:1/db"} {
		wantCode(t, open(t, dsn, Options{Dial: p.Dial}).Ping(ctx), facteur.EUNAVAILABLE, "Cannot reach the database server")
	}
}
