package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// testWatermarks: a run claims the next window of its schedule and keeps
// it across attempts; another unfinished run is refused it; the
// watermark moves to the window's end only when the run is stored as
// succeeded and the watermark is still where the window started; a
// failed run releases the window without moving it; a reset is kept.
func testWatermarks(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "incremental", nil)
	newRun := func() *facteur.Run {
		r := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual, Status: facteur.RunRunning}
		must(t, s.CreateRun(ctx, r))
		return r
	}
	w, err := s.Watermark(ctx, sc.ID)
	must(t, err)
	if w.At != nil || w.HolderRun != 0 {
		t.Fatalf("new schedule's watermark: %+v", w)
	}
	if _, err := s.Watermark(ctx, 1<<40); facteur.ErrorCode(err) != facteur.ENOTFOUND {
		t.Fatalf("watermark of a missing schedule: %v", err)
	}
	t1 := ts(t, "2026-03-01T10:00:00Z")
	cutAt := func(to time.Time) func(*time.Time) (facteur.Window, error) {
		return func(mark *time.Time) (facteur.Window, error) {
			return facteur.Window{From: mark, To: to, Watermark: mark}, nil
		}
	}

	// A first run claims [-, t1); a second attempt of it gets the same window.
	a := newRun()
	win, err := s.ClaimWindow(ctx, sc.ID, a.ID, cutAt(t1))
	must(t, err)
	if win.From != nil || !win.To.Equal(t1) || win.Watermark != nil {
		t.Fatalf("first window: %+v", win)
	}
	again, err := s.ClaimWindow(ctx, sc.ID, a.ID, cutAt(t1.Add(time.Hour)))
	must(t, err)
	if !again.To.Equal(t1) {
		t.Fatalf("second attempt's window ends %v, want the first attempt's %v", again.To, t1)
	}
	// Another run waits while a holds the window.
	b := newRun()
	_, err = s.ClaimWindow(ctx, sc.ID, b.ID, cutAt(t1.Add(time.Hour)))
	var held *facteur.WindowHeldError
	if facteur.ErrorCode(err) != facteur.ECONFLICT || !errors.As(err, &held) || held.Holder != a.ID {
		t.Fatalf("claim while another run holds the window: %v", err)
	}
	if _, err := s.RunWindow(ctx, b.ID); facteur.ErrorCode(err) != facteur.ENOTFOUND {
		t.Fatalf("refused run has a window: %v", err)
	}
	// a fails for good: it releases the window and leaves the watermark.
	a.Status = facteur.RunFailed
	must(t, s.UpdateRun(ctx, a))
	if moved, err := s.AdvanceWatermark(ctx, sc.ID, a.ID); err != nil || moved {
		t.Fatalf("advance after failure: %v %v", moved, err)
	}
	w, _ = s.Watermark(ctx, sc.ID)
	if w.At != nil || w.HolderRun != 0 {
		t.Fatalf("after a failed run: %+v", w)
	}
	// b claims the same start, succeeds: the watermark moves to its end.
	t2 := t1.Add(time.Hour)
	win, err = s.ClaimWindow(ctx, sc.ID, b.ID, cutAt(t2))
	must(t, err)
	if win.From != nil || !win.To.Equal(t2) {
		t.Fatalf("b's window: %+v", win)
	}
	got, err := s.Run(ctx, b.ID)
	must(t, err)
	if got.Window == nil || !got.Window.To.Equal(t2) {
		t.Fatalf("Run gives the window %+v", got.Window)
	}
	b.Status = facteur.RunSucceeded
	must(t, s.InTx(ctx, func(tx facteur.Store, _ any) error {
		if err := tx.UpdateRun(ctx, b); err != nil {
			return err
		}
		moved, err := tx.AdvanceWatermark(ctx, sc.ID, b.ID)
		if err == nil && !moved {
			err = errors.New("the watermark did not move")
		}
		return err
	}))
	w, _ = s.Watermark(ctx, sc.ID)
	if w.At == nil || !w.At.Equal(t2) || w.HolderRun != 0 || w.UpdatedAt == nil {
		t.Fatalf("after b succeeded: %+v", w)
	}
	// Advancing again changes nothing.
	if moved, err := s.AdvanceWatermark(ctx, sc.ID, b.ID); err != nil || moved {
		t.Fatalf("second advance: %v %v", moved, err)
	}
	// c claims from t2; a reset meanwhile is kept when c succeeds.
	c := newRun()
	win, err = s.ClaimWindow(ctx, sc.ID, c.ID, cutAt(t2.Add(time.Hour)))
	must(t, err)
	if win.Watermark == nil || !win.Watermark.Equal(t2) {
		t.Fatalf("c's window: %+v", win)
	}
	reset := ts(t, "2026-01-01T00:00:00Z")
	must(t, s.ResetWatermark(ctx, sc.ID, &reset))
	w, _ = s.Watermark(ctx, sc.ID)
	if w.HolderRun != c.ID || !w.At.Equal(reset) {
		t.Fatalf("after the reset: %+v", w)
	}
	c.Status = facteur.RunSucceeded
	must(t, s.UpdateRun(ctx, c))
	if moved, err := s.AdvanceWatermark(ctx, sc.ID, c.ID); err != nil || moved {
		t.Fatalf("advance after a reset: %v %v", moved, err)
	}
	w, _ = s.Watermark(ctx, sc.ID)
	if !w.At.Equal(reset) || w.HolderRun != 0 {
		t.Fatalf("the reset was not kept: %+v", w)
	}
	must(t, s.ResetWatermark(ctx, sc.ID, nil))
	if w, _ = s.Watermark(ctx, sc.ID); w.At != nil {
		t.Fatalf("reset to the start: %+v", w)
	}
	// A window that cut refuses records nothing.
	d := newRun()
	skip := &facteur.SkipError{Reason: "nothing new"}
	if _, err := s.ClaimWindow(ctx, sc.ID, d.ID, func(*time.Time) (facteur.Window, error) { return facteur.Window{}, skip }); !errors.Is(err, skip) {
		t.Fatalf("cut's error: %v", err)
	}
	if _, err := s.RunWindow(ctx, d.ID); facteur.ErrorCode(err) != facteur.ENOTFOUND {
		t.Fatalf("a refused cut left a window: %v", err)
	}
	if err := s.ResetWatermark(ctx, 1<<40, nil); facteur.ErrorCode(err) != facteur.ENOTFOUND {
		t.Fatalf("reset of a missing schedule: %v", err)
	}
}

// testWindowClaimRace: runs of one schedule claiming its window at once,
// through two connections, see exactly one winner.
func testWindowClaimRace(t *testing.T, newDB NewDatabase) {
	cfg := newDB(t)
	ctx, s1, s2 := testContext(t), Open(t, cfg), Open(t, cfg)
	f := seed(t, ctx, s1)
	sc := f.schedule(t, ctx, s1, "incremental", nil)
	var runs []*facteur.Run
	for range 10 {
		r := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual, Status: facteur.RunRunning}
		must(t, s1.CreateRun(ctx, r))
		runs = append(runs, r)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  int
		start = make(chan struct{})
	)
	to := ts(t, "2026-03-01T10:00:00Z")
	for i, r := range runs {
		s := facteur.Store(s1)
		if i%2 == 1 {
			s = s2
		}
		wg.Go(func() {
			<-start
			_, err := s.ClaimWindow(ctx, sc.ID, r.ID, func(mark *time.Time) (facteur.Window, error) {
				return facteur.Window{To: to, Watermark: mark}, nil
			})
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case facteur.ErrorCode(err) != facteur.ECONFLICT:
				t.Errorf("ClaimWindow: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d runs claimed the window, want exactly 1", wins)
	}
}
