package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// Heartbeats of the processes working on the database.
const (
	// NodeHeartbeat is how often a process renews its heartbeat.
	NodeHeartbeat = 5 * time.Second
	// NodeStale is how long after its last heartbeat a process counts as
	// gone (killed, or its machine down).
	NodeStale = 30 * time.Second
)

// Kinds of Node.
const (
	NodeServe  = "serve"
	NodeRotate = "rotate"
)

// Node is a process working on the database: a `facteur serve` node or a
// running key rotation.
type Node struct {
	ID     string
	Kind   string
	Host   string // host name and process id, for messages
	SeenAt time.Time
}

// Join records a process of the given kind on host, with a first
// heartbeat. Renew it with Beat every NodeHeartbeat, and Leave when done.
func (db *DB) Join(ctx context.Context, kind, host string) (*Node, error) {
	b := make([]byte, 8)
	rand.Read(b)
	n := &Node{ID: hex.EncodeToString(b), Kind: kind, Host: host, SeenAt: now()}
	if _, err := db.q.exec(ctx, `INSERT INTO nodes (id, kind, host, started_at, seen_at) VALUES (?, ?, ?, ?, ?)`,
		n.ID, n.Kind, n.Host, db.dialect.ts(n.SeenAt), db.dialect.ts(n.SeenAt)); err != nil {
		return nil, fmt.Errorf("record node: %w", err)
	}
	return n, nil
}

// Beat renews n's heartbeat (and records n again if it was removed).
func (db *DB) Beat(ctx context.Context, n *Node) error {
	t := now()
	if _, err := db.q.exec(ctx, `INSERT INTO nodes (id, kind, host, started_at, seen_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
		n.ID, n.Kind, n.Host, db.dialect.ts(t), db.dialect.ts(t)); err != nil {
		return fmt.Errorf("node heartbeat: %w", err)
	}
	n.SeenAt = t
	return nil
}

// Leave removes n, and the records of processes gone for long.
func (db *DB) Leave(ctx context.Context, n *Node) error {
	if _, err := db.q.exec(ctx, `DELETE FROM nodes WHERE id = ? OR seen_at < ?`,
		n.ID, db.dialect.ts(now().Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("remove node: %w", err)
	}
	return nil
}

// liveNodes returns the processes of a kind seen within NodeStale, but
// self.
func (db *DB) liveNodes(ctx context.Context, kind string, self *Node) ([]*Node, error) {
	rows, err := db.q.query(ctx, `SELECT id, kind, host, seen_at FROM nodes WHERE kind = ? AND id <> ? AND seen_at >= ?
		ORDER BY seen_at DESC`, kind, self.ID, db.dialect.ts(now().Add(-NodeStale)))
	if err != nil {
		return nil, fmt.Errorf("nodes: %w", err)
	}
	defer rows.Close()
	var out []*Node
	for rows.Next() {
		var n Node
		if err := rows.Scan(&n.ID, &n.Kind, &n.Host, timeScan{&n.SeenAt}); err != nil {
			return nil, fmt.Errorf("nodes: %w", err)
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}

// seen says how long ago a node was seen, for a message: "2 s ago".
func seen(n *Node) string {
	return fmt.Sprintf("%d s ago", int(time.Since(n.SeenAt).Round(time.Second)/time.Second))
}

func hosts(list []*Node) string {
	var b strings.Builder
	for i, n := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (seen %s)", n.Host, seen(n))
	}
	return b.String()
}

// BeginRotation marks a key rotation as under way, for the rotating
// process self (joined as NodeRotate). It fails with ECONFLICT while a
// node serves or another rotation runs: every node must be stopped first,
// or credentials it writes during the rotation would stay under the old
// key. A rotation that was interrupted is taken up again.
func (db *DB) BeginRotation(ctx context.Context, self *Node) error {
	if live, err := db.liveNodes(ctx, NodeServe, self); err != nil {
		return err
	} else if len(live) > 0 {
		return facteur.Errorf(facteur.ECONFLICT, "Facteur is serving on %s: stop every node first, then run the rotation", hosts(live))
	}
	if live, err := db.liveNodes(ctx, NodeRotate, self); err != nil {
		return err
	} else if len(live) > 0 {
		return facteur.Errorf(facteur.ECONFLICT, "a key rotation is already running on %s: let it finish", hosts(live))
	}
	if _, err := db.q.exec(ctx, `INSERT INTO key_rotation (id, host, started_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
		self.Host, db.dialect.ts(now())); err != nil {
		return fmt.Errorf("mark the key rotation: %w", err)
	}
	return nil
}

// EndRotation records that the rotation has finished: every credential is
// sealed under the new key.
func (db *DB) EndRotation(ctx context.Context) error {
	if _, err := db.q.exec(ctx, `DELETE FROM key_rotation`); err != nil {
		return fmt.Errorf("end the key rotation: %w", err)
	}
	return nil
}

// CheckServe is what a node checks before it serves, once joined as self:
// no rotation runs, and every stored credential opens with the keys it
// was given. It fails with ECONFLICT while a rotation runs and EINVALID
// when credentials cannot be read, saying how to finish an interrupted
// rotation. It reports whether an interrupted rotation remains to finish.
func (db *DB) CheckServe(ctx context.Context, self *Node) (interrupted bool, err error) {
	if live, err := db.liveNodes(ctx, NodeRotate, self); err != nil {
		return false, err
	} else if len(live) > 0 {
		return false, facteur.Errorf(facteur.ECONFLICT, "a key rotation is running on %s: wait until it has finished, then start Facteur with the new key", hosts(live))
	}
	var host string
	err = db.q.queryRow(ctx, `SELECT host FROM key_rotation WHERE id = 1`).Scan(&host)
	switch {
	case isNoRows(err):
	case err != nil:
		return false, fmt.Errorf("key rotation: %w", err)
	default:
		interrupted = true
	}
	unreadable, total, err := db.checkSealed(ctx)
	if err != nil || unreadable == 0 {
		return interrupted, err
	}
	if interrupted {
		return true, facteur.Errorf(facteur.EINVALID, "A key rotation was interrupted: %d of %d stored credentials are encrypted under a key this node was not given. "+
			"Start Facteur with both keys (FACTEUR_SECRET_KEY and FACTEUR_NEW_SECRET_KEY, or secret.key and secret.key.new in the data directory), "+
			"or finish the rotation first: stop every node and run `facteur secrets rotate` again with both keys.", unreadable, total)
	}
	return false, facteur.Errorf(facteur.EINVALID, "%d of %d stored credentials cannot be opened with the secret key this node was given (FACTEUR_SECRET_KEY, or secret.key in the data directory): start it with the key they were encrypted with.", unreadable, total)
}
