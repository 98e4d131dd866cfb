package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/runlog"
	"github.com/facteur/facteur/metrics"
	"github.com/facteur/facteur/store"
)

// newLogger returns the process's logger: text or JSON lines at level, with
// the run and schedule ids on every line logged for a run.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, facteur.Errorf(facteur.EINVALID, "log-level: use debug, info, warn or error")
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(runlog.Handler(slog.NewTextHandler(w, opts))), nil
	case "json":
		return slog.New(runlog.Handler(slog.NewJSONHandler(w, opts))), nil
	}
	return nil, facteur.Errorf(facteur.EINVALID, "log-format: use text or json")
}

// readiness returns the check of GET /readyz: the store answers, its
// migrations are applied and, on PostgreSQL, the queue has a leader. It
// logs when the node stops or starts again being ready, with the detail
// the answer leaves out.
func readiness(db *store.DB, logger *slog.Logger) func(ctx context.Context) error {
	var down atomic.Bool
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := db.Ready(ctx)
		if err == nil {
			if down.Swap(false) {
				logger.Info("ready again")
			}
			return nil
		}
		if !down.Swap(true) {
			logger.Warn("not ready", "err", err)
		}
		var nr *store.NotReady
		if errors.As(err, &nr) {
			return errors.New(nr.Reason)
		}
		return errors.New("the store cannot be checked")
	}
}

// serveMetrics serves /metrics, /healthz and /readyz on their own address
// until ctx ends; it returns the address listened on.
func serveMetrics(ctx context.Context, addr string, m *metrics.Metrics, token string, api http.Handler, logger *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, facteur.Errorf(facteur.EINVALID, "metrics-addr: cannot listen on %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler(token))
	mux.Handle("/healthz", api)
	mux.Handle("/readyz", api)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server", "err", err)
		}
	}()
	return ln.Addr().String(), func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}
