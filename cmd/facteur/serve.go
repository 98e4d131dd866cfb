package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/format"
	fhttp "github.com/facteur/facteur/http"
	"github.com/facteur/facteur/http/ui"
	"github.com/facteur/facteur/links"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/metrics"
	"github.com/facteur/facteur/netguard"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/source"
	"github.com/facteur/facteur/store"
)

// serveConfig is the configuration of `facteur serve`.
type serveConfig struct {
	Addr     string
	Data     string
	Database string
	Demo     bool
	Workers  int
	LogLevel string
	Tick     time.Duration
	// StopTimeout is how long a graceful stop lets running exports finish.
	StopTimeout time.Duration
	// KeepFiles is how long spooled files are kept for retry and download.
	KeepFiles time.Duration
	// PublicURL is the address users reach Facteur at, for links in mails.
	PublicURL string
	// AllowOutbound lists what outbound connections may reach beyond
	// public addresses: "loopback", "private" and CIDR prefixes.
	AllowOutbound string
	// SQLiteDir is the directory SQLite sources must be in ("" = anywhere
	// but Facteur's own database).
	SQLiteDir string
	// NodeName names this process in run logs and leases (default
	// hostname-pid).
	NodeName string
	// Lease is how long a node not heard of keeps its running jobs;
	// LeaseRenew how often it renews their leases.
	Lease, LeaseRenew time.Duration
	// LogFormat is text or json.
	LogFormat string
	// MetricsAddr serves /metrics, /healthz and /readyz on an address of
	// their own ("" = none); MetricsToken, when set, is the bearer token
	// /metrics requires (and serves it on Addr too).
	MetricsAddr, MetricsToken string
}

// jobQueue is the queue whatever its database: both River drivers give one.
type jobQueue interface {
	fhttp.Runs
	SendMail(ctx context.Context, m mail.Message) error
	Fence(ctx context.Context, run *facteur.Run) error
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

func runServe(ctx context.Context, formats *format.Registry, args []string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address of the REST API (host:port; port 0 picks a free one)")
	fs.StringVar(&cfg.Data, "data", "./facteur-data", "directory of the embedded database, spooled files and demo data")
	fs.StringVar(&cfg.Database, "database", "", "postgres:// URL: keep Facteur's records in PostgreSQL instead of the embedded SQLite")
	fs.BoolVar(&cfg.Demo, "demo", false, "seed a demo source, reports, folder destination and schedule on first start, and run it once")
	fs.IntVar(&cfg.Workers, "workers", 2, "runs executed at once by this node")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "text, or json for one JSON object a line (a run's lines carry its run and schedule ids)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "address of its own (host:port) to serve the Prometheus metrics, /healthz and /readyz on, e.g. 127.0.0.1:9464")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", "", "bearer token GET /metrics requires (16 to 1024 characters; best given as FACTEUR_METRICS_TOKEN); with it, /metrics is served on --addr too")
	fs.DurationVar(&cfg.Tick, "tick", time.Second, "how often the leader looks for due schedules")
	fs.StringVar(&cfg.AllowOutbound, "allow-outbound", "", "comma-separated addresses destinations may reach besides public ones: loopback, private, or CIDR prefixes (link-local and cloud metadata addresses are always refused)")
	fs.StringVar(&cfg.SQLiteDir, "sqlite-dir", "", "directory SQLite sources must be in (default: anywhere except Facteur's own database)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "URL users reach Facteur at, for download links in mails and webhooks (default http://ADDR)")
	fs.DurationVar(&cfg.KeepFiles, "keep-files", 7*24*time.Hour, "how long exported files stay in the spool for retry and download (each schedule's latest successful file is always kept)")
	fs.DurationVar(&cfg.StopTimeout, "stop-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long running exports may finish before they are interrupted and queued again")
	fs.StringVar(&cfg.NodeName, "node-name", "", "name of this node in run logs (default hostname-pid)")
	fs.DurationVar(&cfg.Lease, "lease", 30*time.Second, "with PostgreSQL, how long a node not heard of keeps its running exports before a live node takes them over")
	fs.DurationVar(&cfg.LeaseRenew, "lease-renew", 10*time.Second, "how often a node renews the leases of its running exports (less than half --lease)")
	if err := envFlags(fs, args); err != nil {
		return errUsage
	}
	if cfg.NodeName == "" {
		cfg.NodeName = queue.DefaultNode()
	}
	if err := facteur.CheckName("node", cfg.NodeName); err != nil {
		return facteur.Errorf(facteur.EINVALID, "node-name: %s", strings.TrimPrefix(facteur.ErrorMessage(err), "name: "))
	}
	if cfg.Lease < time.Second || cfg.Lease > time.Hour {
		return facteur.Errorf(facteur.EINVALID, "lease: %s is out of range (1s to 1h)", cfg.Lease)
	}
	logger, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	if err := metrics.CheckToken(cfg.MetricsToken); err != nil {
		return err
	}
	data, err := dataDirectory(cfg.Data)
	if err != nil {
		return err
	}
	if cfg.Database == "" {
		// The embedded database has one node: a second process on the same
		// data directory would take the first one's running exports for
		// abandoned.
		unlock, err := lockData(data)
		if err != nil {
			return err
		}
		defer unlock()
	}
	db, scfg, err := openStore(ctx, data, cfg.Database, stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	self, err := db.Join(ctx, store.NodeServe, nodeHost())
	if err != nil {
		return err
	}
	// The heartbeat lasts until the node has stopped, graceful stop included.
	beat, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		heartbeat(beat, db, self, logger)
	}()
	defer func() { stopBeat(); <-beating }()
	if interrupted, err := db.CheckServe(ctx, self); err != nil {
		return err
	} else if interrupted {
		fmt.Fprintln(stdout, "A key rotation was interrupted; every credential opens with the keys given. Stop every node and run `facteur secrets rotate` again to finish it.")
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	public, err := url.Parse(cfg.PublicURL)
	if err != nil || public.Host == "" {
		return facteur.Errorf(facteur.EINVALID, "public-url: %q is not a URL such as https://facteur.example.org", cfg.PublicURL)
	}
	admin, err := bootstrapAdmin(ctx, db, cfg.Demo, stdout)
	if err != nil {
		return err
	}
	linkSecret, err := linkKey(ctx, db)
	if err != nil {
		return err
	}
	signer := &links.Signer{Key: linkSecret, Base: cfg.PublicURL}
	policy, err := outboundPolicy(cfg.AllowOutbound)
	if err != nil {
		return err
	}
	mailer := &mail.Service{Store: db, Dial: policy.Dial}
	srcOpts := source.Options{Dial: policy.Dial, SQLiteDir: cfg.SQLiteDir}
	if db.Dialect() == "sqlite" {
		srcOpts.Forbidden = []string{scfg.SQLitePath}
	}
	env := deliver.Env{
		Dial:       policy.Dial,
		Mail:       mailer.Submit,
		MailHost:   public.Hostname(),
		PublicURL:  cfg.PublicURL,
		Recipients: db,
		Accounts:   func(ctx context.Context) ([]string, error) { return auth.AccountAddresses(ctx, db) },
		Logger:     logger,
		Policy:     func(ctx context.Context) (facteur.Policy, error) { return auth.LoadPolicy(ctx, db) },
		Links: func(a *facteur.Artifact) (string, error) {
			p, err := auth.LoadPolicy(context.Background(), db)
			if err != nil {
				return "", err
			}
			return signer.URL(a.RunID, p.LinkTTL()), nil
		},
		SaveConfig: saveConfig(db),
		RecipientGroups: func(ctx context.Context, ids []int64) (facteur.GroupRecipients, error) {
			return auth.GroupRecipients(ctx, db, ids)
		},
		RunLog: func(ctx context.Context, runID int64, level, message string) {
			e := facteur.LogEntry{Time: time.Now().UTC(), Level: level, Message: message}
			if err := db.AppendRunLog(context.WithoutCancel(ctx), runID, e); err != nil {
				logger.Warn("append run log", "run", runID, "err", err)
			}
		},
	}
	// The destination kinds: every part that needs to know them reads this one registry.
	destKinds := kinds.Builtin()
	openDestination := func(d *facteur.Destination) (facteur.Deliverer, error) { return destKinds.Open(d, env) }
	// Every source connection obeys the policy's cell limit of the time.
	openSource := func(ctx context.Context, dsn string) (facteur.Querier, error) {
		p, err := auth.LoadPolicy(ctx, db)
		if err != nil {
			return nil, err
		}
		o := srcOpts
		o.MaxCell = p.MaxCellBytes
		return source.Open(ctx, dsn, o)
	}
	runner := &export.Runner{
		Store:   db,
		Formats: formats,
		Spool:   filepath.Join(data, "spool"),
		OpenSource: func(ctx context.Context, s *facteur.Source) (facteur.Querier, error) {
			return openSource(ctx, s.DSN)
		},
		Policy:    func(ctx context.Context) (facteur.Policy, error) { return auth.LoadPolicy(ctx, db) },
		Deliverer: openDestination,
		Kinds:     destKinds,
		Authorize: func(ctx context.Context, run *facteur.Run, d *facteur.Destination) error {
			return auth.RunAsOwner(ctx, db, destKinds, run, d)
		},
		Logger: logger,
	}
	meters := metrics.New(metrics.Config{Kinds: destKinds.Names(), Backlog: db, Logger: logger,
		Destination: func(ctx context.Context, id int64) (string, error) {
			d, err := db.Destination(ctx, id)
			if err != nil {
				return "", err
			}
			return d.Kind, nil
		}})
	qcfg := queue.Config{Observer: meters, Workers: cfg.Workers, TickInterval: cfg.Tick, StopTimeout: cfg.StopTimeout, Logger: logger,
		Mailer: mailer, PublicURL: cfg.PublicURL, MailHost: public.Hostname(),
		Node: cfg.NodeName, LeaseTTL: cfg.Lease, LeaseRenew: cfg.LeaseRenew, SingleNode: db.Dialect() != "postgres"}
	var q jobQueue
	if db.Dialect() == "postgres" {
		q, err = queue.New(riverpgxv5.New(db.Pool()), db, runner, qcfg)
	} else {
		q, err = queue.New(riversqlite.New(db.SQL()), db, runner, qcfg)
	}
	if err != nil {
		return err
	}
	runner.Fence = q.Fence
	runner.Exported = exportLinkMailer(db, mailer, q.SendMail, signer, public.Hostname())

	api := &fhttp.Server{
		Store:       db,
		Formats:     formats,
		Runs:        q,
		OpenSource:  openSource,
		Deliverer:   openDestination,
		Kinds:       destKinds,
		CheckURL:    policy.CheckURL,
		Mail:        mailer,
		MailHost:    public.Hostname(),
		PublicURL:   cfg.PublicURL,
		Context:     ctx,
		Links:       signer,
		Logger:      logger,
		Version:     versionString(),
		Ready:       readiness(db, logger),
		LoginFailed: meters.LoginFailed,
	}
	apiHandler := api.Handler()
	var metricsHandler http.Handler
	if cfg.MetricsToken != "" {
		metricsHandler = meters.Handler(cfg.MetricsToken)
	}
	handler, err := withUI(apiHandler, metricsHandler, destKinds, logger)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		addr, stop, err := serveMetrics(ctx, cfg.MetricsAddr, meters, cfg.MetricsToken, apiHandler, logger)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(stdout, "Metrics on http://%s/metrics\n", addr)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()

	if err := q.Start(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("start job queue: %w", err)
	}
	where := "SQLite " + scfg.SQLitePath
	if cfg.Database != "" {
		where = "PostgreSQL " + facteur.RedactDSN(cfg.Database)
	}
	fmt.Fprintf(stdout, "Facteur %s listening on %s (store: %s, node: %s)\n", versionString(), base, where, cfg.NodeName)
	pruned := make(chan struct{})
	go func() {
		defer close(pruned)
		pruneSpool(ctx, runner, cfg.KeepFiles, logger)
	}()
	if cfg.Demo && admin == nil {
		fmt.Fprintln(stderr, "facteur: demo: the demo needs an administrator to own it; create one first")
	} else if cfg.Demo {
		runID, err := seedDemo(ctx, db, q, data, base, admin, stdout)
		if err != nil {
			logger.Error("demo", "err", err)
			fmt.Fprintln(stderr, "facteur: demo:", userMessage(err))
		}
		if runID != 0 {
			watched := make(chan struct{})
			go func() {
				defer close(watched)
				reportDemoRun(ctx, db, runID, stdout)
			}()
			defer func() { <-watched }()
		}
	}

	select {
	case <-ctx.Done():
	case err := <-srvErr:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server", "err", err)
		}
	}
	fmt.Fprintf(stdout, "Stopping: running exports get %s to finish, then are queued again.\n", cfg.StopTimeout)
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.StopTimeout+15*time.Second)
	defer cancel()
	_ = srv.Shutdown(stopCtx)
	if err := q.Stop(stopCtx); err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	<-pruned
	api.Wait()
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}

// withUI serves the REST API under /api/, /healthz, /readyz and the
// download links, the metrics at /metrics (when not nil), and the web UI
// everywhere else.
func withUI(api, metrics http.Handler, destKinds *deliver.Registry, logger *slog.Logger) (http.Handler, error) {
	web, err := (&ui.Server{API: api, Kinds: destKinds, Logger: logger}).Handler()
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("/api/", api)
	m.Handle("/healthz", api)
	m.Handle("/readyz", api)
	if metrics != nil {
		m.Handle("/metrics", metrics)
	}
	m.Handle(links.Path, api)
	m.Handle("/", web)
	return m, nil
}

// pruneSpool deletes old spooled files every hour until ctx ends.
func pruneSpool(ctx context.Context, runner *export.Runner, keep time.Duration, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := runner.PruneSpool(ctx, keep); err != nil {
			logger.Warn("prune spool", "err", err)
		} else if n > 0 {
			logger.Info("pruned old files from the spool", "files", n, "older_than", keep)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// linkKey returns the key download links are signed with, shared by every
// node through the store; the first start creates it.
func linkKey(ctx context.Context, st facteur.Store) ([]byte, error) {
	read := func() ([]byte, error) {
		raw, err := st.Setting(ctx, "link_key")
		if err != nil {
			return nil, err
		}
		var v struct{ Key []byte }
		if err := json.Unmarshal(raw, &v); err != nil || len(v.Key) < 32 {
			return nil, fmt.Errorf("link_key setting is damaged")
		}
		return v.Key, nil
	}
	key, err := read()
	if facteur.ErrorCode(err) != facteur.ENOTFOUND {
		return key, err
	}
	v := struct{ Key []byte }{Key: make([]byte, 32)}
	rand.Read(v.Key)
	raw, _ := json.Marshal(v)
	if err := st.PutSetting(ctx, "link_key", raw); err != nil {
		return nil, err
	}
	return read() // another node starting at the same time may have won
}

// outboundPolicy parses --allow-outbound.
func outboundPolicy(allow string) (netguard.Policy, error) {
	var p netguard.Policy
	for _, item := range strings.Split(allow, ",") {
		switch item = strings.TrimSpace(item); item {
		case "":
		case "loopback":
			p.AllowLoopback = true
		case "private":
			p.AllowPrivate = true
		default:
			prefix, err := netip.ParsePrefix(item)
			if err != nil {
				return p, facteur.Errorf(facteur.EINVALID, "allow-outbound: %q is neither loopback, private nor a CIDR prefix such as 10.1.0.0/16", item)
			}
			p.Allow = append(p.Allow, prefix)
		}
	}
	return p, nil
}
