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
		name, head string
		want       time.Time
	}{
		{"due", `{"next_check":"2026-11-20T00:00:00Z","schema":2,"patient":"Patient/a","buckets":1}`, at},
		{"nothing due", `{"next_check":null,"schema":2,"patient":"Patient/a","buckets":1}`, time.Time{}},
	}
	for _, c := range cases {
		patient, got, err := nextCheck([]byte(c.head))
		if err != nil || !got.Equal(c.want) || patient != "Patient/a" {
			t.Errorf("%s: nextCheck = %s %v, %v; want Patient/a %v", c.name, patient, got, err, c.want)
		}
	}
	for _, bad := range []string{`[1]`, `{"next_check":null}`} {
		if _, _, err := nextCheck([]byte(bad)); err == nil {
			t.Errorf("nextCheck(%s): no error", bad)
		}
	}
}
