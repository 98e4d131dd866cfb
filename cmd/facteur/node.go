package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

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
