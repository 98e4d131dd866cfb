package runlog

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestHandler: a line logged with a run's context carries its run and
// schedule ids once, as JSON numbers; a line without it carries none.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(Handler(slog.NewJSONHandler(&buf, nil)))
	ctx := With(context.Background(), 42, 7)
	l.InfoContext(ctx, "exported")
	l.Log(ctx, slog.LevelWarn, "retrying", "run", 42)
	l.InfoContext(With(context.Background(), 43, 0), "one-off")
	l.Info("no run")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{`"run":42,"schedule":7`, `"run":42,"schedule":7`, `"run":43}`, `"msg":"no run"}`}
	for i, line := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i, err, line)
		}
		if !strings.Contains(line, want[i]) || strings.Count(line, `"run"`) > 1 {
			t.Errorf("line %d: %s, want %s once", i, line, want[i])
		}
	}
	if len(lines) != 4 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
}
