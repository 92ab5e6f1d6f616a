package streams

import (
	"context"
	"testing"
	"time"
)

// TestScheduleIsShared: a worker schedules the time-driven re-evaluations
// of patients another worker wrote, so that changes are published when due
// even after the worker that wrote them has stopped.
func TestScheduleIsShared(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{TickInterval: time.Hour}
	idle, err := NewWorker(e.js, e.eng, cfg, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := idle.Setup(ctx); err != nil { // follows the bucket; consumes nothing
		t.Fatal(err)
	}
	_, stopWriter := e.startWorker(t, cfg, WithClock(clk.Now))
	e.publishFiles(t, samplePatients(t)...)
	e.drain(t, cfg)
	stopWriter()
	before := len(e.events(t))

	clk.Set(scenarioAsOf.AddDate(0, 3, 0)) // the screening labs have left their window
	deadline := time.Now().Add(10 * time.Second)
	for idle.due.len() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // the watch delivers the writer's records
	}
	idle.CheckDue(ctx)
	evs := e.events(t)
	timeDriven := 0
	for _, ev := range evs[before:] {
		if ev.Cause != "time" {
			t.Errorf("event %s after the writer stopped has cause %q, want time", ev.ID, ev.Cause)
		}
		timeDriven++
	}
	if timeDriven == 0 {
		t.Fatal("the idle worker published no time-driven change for the patients the other worker wrote")
	}
	checkTransitions(t, evs)
}

func TestNextCheck(t *testing.T) {
	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name, record string
		want         time.Time
	}{
		{"due", `{"next_check":"2026-11-20T00:00:00Z","facts":{"id":"Patient/a"}}`, at},
		{"nothing due", `{"next_check":null,"facts":{"id":"Patient/a"}}`, time.Time{}},
		{"record from before next_check", `{"facts":{"id":"Patient/a"},"evaluations":{"t":{"valid_until":"2026-11-20T00:00:00Z"}}}`, at},
	}
	for _, c := range cases {
		got, err := nextCheck([]byte(c.record))
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s: nextCheck = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := nextCheck([]byte(`[1]`)); err == nil {
		t.Error("nextCheck of a JSON array: no error")
	}
}
