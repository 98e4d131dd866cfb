package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// nodeHost names this process in the store's list of nodes: host name and
// process id.
func nodeHost() string {
	h, err := os.Hostname()
	if err != nil {
		h = "unknown host"
	}
	return fmt.Sprintf("%s (pid %d)", h, os.Getpid())
}

// heartbeat renews n's heartbeat every store.NodeHeartbeat until ctx ends,
// then removes n from the store.
func heartbeat(ctx context.Context, db *store.DB, n *store.Node, logger *slog.Logger) {
	t := time.NewTicker(store.NodeHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := db.Leave(lctx, n); err != nil {
				logger.Warn("leave", "err", err)
			}
			return
		case <-t.C:
			if err := db.Beat(ctx, n); err != nil && ctx.Err() == nil {
				logger.Warn("heartbeat", "err", err)
			}
		}
	}
}

// saveConfig returns deliver.Env's SaveConfig: it stores the config a
// deliverer completed (an SFTP host key seen on first login) only when the
// deliverer added fields to the stored config and changed none: a config
// someone changed since the delivery read it is kept, and the save fails
// with ECONFLICT.
func saveConfig(db *store.DB) func(ctx context.Context, id int64, config json.RawMessage) error {
	return func(ctx context.Context, id int64, config json.RawMessage) error {
		d, err := db.Destination(ctx, id)
		if err != nil {
			return err
		}
		if !onlyAdds(d.Config, config) {
			return facteur.Errorf(facteur.ECONFLICT, "destination %q was changed during the delivery; its new settings are kept", d.Name)
		}
		d.Config = config
		return db.UpdateDestination(ctx, d) // fails if changed since the read above
	}
}

// onlyAdds reports whether next holds every field of stored with the same
// value, but for fields stored empty.
func onlyAdds(stored, next json.RawMessage) bool {
	var a, b map[string]any
	if json.Unmarshal(stored, &a) != nil || json.Unmarshal(next, &b) != nil {
		return false
	}
	for k, v := range a {
		if v == nil || v == "" {
			continue
		}
		if !reflect.DeepEqual(v, b[k]) {
			return false
		}
	}
	return true
}
