// Package runlog puts the ids of the run being executed on every line the
// process logs for it: the queue binds them to the run's context, and the
// handler Handler returns adds them to each record logged with that
// context, as the attributes "run" and "schedule".
package runlog

import (
	"context"
	"log/slog"
)

type key struct{}

type ids struct{ run, schedule int64 }

// With returns ctx carrying the ids of a run and of its schedule (0 for a
// one-off export).
func With(ctx context.Context, runID, scheduleID int64) context.Context {
	return context.WithValue(ctx, key{}, ids{runID, scheduleID})
}

// IDs returns the run and schedule ids ctx carries, if any.
func IDs(ctx context.Context) (runID, scheduleID int64, ok bool) {
	v, ok := ctx.Value(key{}).(ids)
	return v.run, v.schedule, ok
}

// Handler wraps h: a record logged with a context from With gets the
// attributes "run" and "schedule", unless it has them already.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if run, schedule, ok := IDs(ctx); ok {
		hasRun, hasSchedule := false, false
		r.Attrs(func(a slog.Attr) bool {
			hasRun = hasRun || a.Key == "run"
			hasSchedule = hasSchedule || a.Key == "schedule"
			return true
		})
		if !hasRun {
			r.AddAttrs(slog.Int64("run", run))
		}
		if !hasSchedule && schedule != 0 {
			r.AddAttrs(slog.Int64("schedule", schedule))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(a []slog.Attr) slog.Handler { return handler{h.Handler.WithAttrs(a)} }

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }

// Level is the slog level of a run log entry's level (info, warn, error).
func Level(level string) slog.Level {
	switch level {
	case "error":
		return slog.LevelError
	case "warn":
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
