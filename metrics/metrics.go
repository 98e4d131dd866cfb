// Package metrics exposes Facteur's metrics in the Prometheus text format:
// what this node's runs did (counted as they end) and, at each scrape,
// what waits in the database every node shares (the queue, the outbox,
// late schedules). No label carries a name, an address or an id: the
// labels are statuses, destination kinds and stage names, all bounded.
package metrics

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// The destination label of runs that have none (one-off exports), and of
// a kind this node does not know.
const (
	NoDestination    = "none"
	OtherDestination = "other"
)

// MaxTokenBytes bounds the metrics token.
const MaxTokenBytes = 1024

// Backlogs reads what waits in the shared database; *store.DB is one.
type Backlogs interface {
	Backlog(ctx context.Context, lateAfterSeconds int) (store.Backlog, error)
}

// Config builds the metrics.
type Config struct {
	// Kinds lists the destination kinds: the destination label takes
	// these values, NoDestination and OtherDestination only.
	Kinds []string
	// Destination returns the kind of a destination, for a run whose
	// definition does not say it; nil: OtherDestination.
	Destination func(ctx context.Context, id int64) (string, error)
	// Backlog is read at each scrape; nil: the backlog gauges are absent.
	Backlog Backlogs
	// LateAfter is how far past its slot a schedule counts as late.
	// Default 1 minute.
	LateAfter time.Duration
	// ScrapeTimeout bounds the backlog's queries. Default 5 s.
	ScrapeTimeout time.Duration
	Logger        *slog.Logger
}

// Metrics holds the metrics of one node. It implements queue.Observer.
type Metrics struct {
	cfg      Config
	reg      *prometheus.Registry
	finished *prometheus.CounterVec
	duration *prometheus.HistogramVec
	stages   *prometheus.HistogramVec
	rows     *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	retries  *prometheus.CounterVec
	delay    prometheus.Histogram
	logins   *prometheus.CounterVec
}

// Run statuses as the runs_finished_total metric counts them.
var finalStatuses = []string{facteur.RunSucceeded, facteur.RunFailed, facteur.RunSkipped, facteur.RunCancelled}

// New builds the metrics and registers them, with the Go runtime's and the
// process's.
func New(cfg Config) *Metrics {
	if cfg.LateAfter <= 0 {
		cfg.LateAfter = time.Minute
	}
	if cfg.ScrapeTimeout <= 0 {
		cfg.ScrapeTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	runBuckets := []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600}
	m := &Metrics{
		cfg: cfg,
		reg: prometheus.NewRegistry(),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facteur_runs_finished_total",
			Help: "Runs that reached a final state on this node, by status (succeeded, failed, skipped, cancelled) and destination kind."},
			[]string{"status", "destination"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "facteur_run_duration_seconds",
			Help:    "Time from a run's first start to its final state, by status and destination kind.",
			Buckets: runBuckets}, []string{"status", "destination"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "facteur_run_stage_duration_seconds",
			Help:    "Time each stage of a finished run took (connect, query, encode, deliver, ...), by stage.",
			Buckets: runBuckets}, []string{"stage"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facteur_exported_rows_total",
			Help: "Rows exported by the runs that succeeded, by destination kind."}, []string{"destination"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facteur_exported_bytes_total",
			Help: "Bytes of the files the runs that succeeded delivered, by destination kind."}, []string{"destination"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facteur_run_retries_total",
			Help: "Attempts that failed and will be tried again, by destination kind."}, []string{"destination"}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "facteur_schedule_start_delay_seconds",
			Help:    "How late the runs of calendar slots started versus their slot.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600}}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "facteur_login_failures_total",
			Help: "Refused logins on this node, by reason: password (wrong address or password, or a deactivated account) or blocked (too many failures)."},
			[]string{"reason"}),
	}
	m.reg.MustRegister(m.finished, m.duration, m.stages, m.rows, m.bytes, m.retries, m.delay, m.logins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Backlog != nil {
		m.reg.MustRegister(&backlogCollector{m: m})
	}
	// Every series a dashboard shows exists from the start, at 0.
	for _, d := range m.destinations() {
		for _, s := range finalStatuses {
			m.finished.WithLabelValues(s, d)
		}
		m.rows.WithLabelValues(d)
		m.bytes.WithLabelValues(d)
		m.retries.WithLabelValues(d)
	}
	m.logins.WithLabelValues("password")
	m.logins.WithLabelValues("blocked")
	return m
}

func (m *Metrics) destinations() []string {
	return append(slices.Clone(m.cfg.Kinds), NoDestination, OtherDestination)
}

// RunChanged counts a run that reached a final state or will be retried
// (queue.Observer).
func (m *Metrics) RunChanged(ctx context.Context, run *facteur.Run) {
	dest := m.destination(ctx, run)
	if run.Status == facteur.RunRetrying {
		m.retries.WithLabelValues(dest).Inc()
		return
	}
	if !slices.Contains(finalStatuses, run.Status) {
		return
	}
	m.finished.WithLabelValues(run.Status, dest).Inc()
	if run.StartedAt == nil {
		return // cancelled before it started
	}
	if run.FinishedAt != nil {
		m.duration.WithLabelValues(run.Status, dest).Observe(run.FinishedAt.Sub(*run.StartedAt).Seconds())
	}
	if run.ScheduledFor != nil && run.Trigger == facteur.TriggerSchedule {
		m.delay.Observe(max(run.StartedAt.Sub(*run.ScheduledFor).Seconds(), 0))
	}
	for _, st := range run.Stages {
		if name := stageName(st.Name); name != "" {
			m.stages.WithLabelValues(name).Observe(st.Duration.Seconds())
		}
	}
	if run.Status == facteur.RunSucceeded {
		m.rows.WithLabelValues(dest).Add(float64(run.Rows))
		m.bytes.WithLabelValues(dest).Add(float64(run.Bytes))
	}
}

// stageName keeps a stage name as a label if it is a short lower-case
// word, as the runner names them; anything else is not a label.
func stageName(s string) string {
	if s == "" || len(s) > 32 || strings.TrimLeft(s, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return ""
	}
	return s
}

// destination is the destination label of run: the kind its definition
// recorded or, failing that, the destination's kind now.
func (m *Metrics) destination(ctx context.Context, run *facteur.Run) string {
	if run.DestinationID == 0 {
		return NoDestination
	}
	var def struct {
		Destination *struct {
			Kind string `json:"kind"`
		} `json:"destination"`
	}
	kind := ""
	if json.Unmarshal(run.Definition, &def) == nil && def.Destination != nil {
		kind = def.Destination.Kind
	} else if m.cfg.Destination != nil {
		kind, _ = m.cfg.Destination(ctx, run.DestinationID)
	}
	if slices.Contains(m.cfg.Kinds, kind) {
		return kind
	}
	return OtherDestination
}

// LoginFailed counts a refused login; blocked says it was refused for
// too many failures.
func (m *Metrics) LoginFailed(blocked bool) {
	if blocked {
		m.logins.WithLabelValues("blocked").Inc()
	} else {
		m.logins.WithLabelValues("password").Inc()
	}
}

// CheckToken checks a metrics token ("" for none) without ever repeating
// it: 16 to MaxTokenBytes printable ASCII characters, no space.
func CheckToken(token string) error {
	if token == "" {
		return nil
	}
	if len(token) < 16 || len(token) > MaxTokenBytes || strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
		return facteur.Errorf(facteur.EINVALID, "metrics-token: use 16 to %d printable ASCII characters without spaces (e.g. from `openssl rand -hex 32`)", MaxTokenBytes)
	}
	return nil
}

// Handler serves the metrics in the Prometheus text format. With a token,
// it answers 401 to a request without "Authorization: Bearer TOKEN".
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{m.cfg.Logger}, Timeout: m.cfg.ScrapeTimeout + 5*time.Second})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="facteur metrics"`)
			http.Error(w, "Send the metrics token as \"Authorization: Bearer TOKEN\".", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// slogPrinter logs promhttp's errors.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.l.Warn("metrics", "err", fmt.Sprint(v...))
}

// backlogCollector reads the backlog at each scrape.
type backlogCollector struct{ m *Metrics }

var (
	queueDesc = prometheus.NewDesc("facteur_queue_runs",
		"Runs in the queue of the shared database, by state: ready (waiting for a worker), waiting (backoff before a retry) and running; counted up to 10000 each scrape.",
		[]string{"state"}, nil)
	oldestDesc = prometheus.NewDesc("facteur_queue_oldest_ready_seconds",
		"How long the oldest run ready to start has waited for a worker (0 when none waits).", nil, nil)
	outboxDesc = prometheus.NewDesc("facteur_outbox_mails",
		"Mails of the outbox not yet sent (alerts, links, test mails); counted up to 10000.", nil, nil)
	lateDesc = prometheus.NewDesc("facteur_schedules_late",
		"Enabled schedules whose slot passed over a minute ago with no run queued for it; counted up to 10000.", nil, nil)
	upDesc = prometheus.NewDesc("facteur_store_up",
		"1 when the shared database answered this scrape's queries, 0 when not.", nil, nil)
)

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueDesc, oldestDesc, outboxDesc, lateDesc, upDesc} {
		ch <- d
	}
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.m.cfg.ScrapeTimeout)
	defer cancel()
	b, err := c.m.cfg.Backlog.Backlog(ctx, int(c.m.cfg.LateAfter.Seconds()))
	if err != nil {
		c.m.cfg.Logger.Warn("metrics: read the backlog", "err", err)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	for _, state := range []string{"ready", "waiting", "running"} {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(b.Runs[state]), state)
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, b.OldestReady)
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(b.Outbox))
	ch <- prometheus.MustNewConstMetric(lateDesc, prometheus.GaugeValue, float64(b.LateSchedules))
}
