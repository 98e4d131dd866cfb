package storetest

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// testNodes: a key rotation refuses while a node serves, a node refuses to
// start while a rotation runs, and an unfinished rotation is reported
// until it ends.
func testNodes(t *testing.T, newDB NewDatabase) {
	ctx := testContext(t)
	db := Open(t, newDB(t))

	serve, err := db.Join(ctx, store.NodeServe, "node-a (pid 1)")
	must(t, err)
	rotate, err := db.Join(ctx, store.NodeRotate, "admin-box (pid 2)")
	must(t, err)
	err = db.BeginRotation(ctx, rotate)
	wantCode(t, err, facteur.ECONFLICT)
	if msg := facteur.ErrorMessage(err); !strings.Contains(msg, "Facteur is serving on node-a (pid 1) (seen ") || !strings.Contains(msg, "stop every node first") {
		t.Fatalf("rotation beside a node: %s", msg)
	}
	must(t, db.Leave(ctx, rotate)) // the refused rotation stops
	if interrupted, err := db.CheckServe(ctx, serve); err != nil || interrupted {
		t.Fatalf("a refused rotation left a mark: %v %v", interrupted, err)
	}

	must(t, db.Leave(ctx, serve))
	rotate, err = db.Join(ctx, store.NodeRotate, "admin-box (pid 2)")
	must(t, err)
	must(t, db.BeginRotation(ctx, rotate))
	serve, err = db.Join(ctx, store.NodeServe, "node-a (pid 3)")
	must(t, err)
	_, err = db.CheckServe(ctx, serve)
	wantCode(t, err, facteur.ECONFLICT)
	if msg := facteur.ErrorMessage(err); !strings.Contains(msg, "a key rotation is running on admin-box (pid 2)") {
		t.Fatalf("node during a rotation: %s", msg)
	}
	// A second rotation is refused too.
	other, err := db.Join(ctx, store.NodeRotate, "elsewhere (pid 4)")
	must(t, err)
	wantCode(t, db.BeginRotation(ctx, other), facteur.ECONFLICT)
	must(t, db.Leave(ctx, other))

	// The rotation stops without finishing: the mark stays.
	must(t, db.Leave(ctx, rotate))
	if interrupted, err := db.CheckServe(ctx, serve); err != nil || !interrupted {
		t.Fatalf("after an interrupted rotation: interrupted %v, %v", interrupted, err)
	}
	must(t, db.Beat(ctx, serve))
	must(t, db.Leave(ctx, serve))
	rotate, err = db.Join(ctx, store.NodeRotate, "admin-box (pid 5)")
	must(t, err)
	must(t, db.BeginRotation(ctx, rotate)) // taken up again
	must(t, db.EndRotation(ctx))
	must(t, db.Leave(ctx, rotate))
	if interrupted, err := db.CheckServe(ctx, serve); err != nil || interrupted {
		t.Fatalf("after the rotation ended: interrupted %v, %v", interrupted, err)
	}
}
