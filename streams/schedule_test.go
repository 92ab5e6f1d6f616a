package streams

import (
	"context"
	"fmt"
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

// TestScheduleOneEntryPerPatient: 200,000 writes of 200 patients' records
// leave at most one entry per patient in the schedule, and each patient
// comes due once, at the last time set.
func TestScheduleOneEntryPerPatient(t *testing.T) {
	s := newSchedule()
	const patients, writes = 200, 200_000
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	last := map[string]time.Time{}
	for i := range writes {
		p := fmt.Sprintf("Patient/p%d", i%patients)
		// Due times move both ways, as labs arrive and leave their window.
		at := base.Add(time.Duration((i*7919)%100_000) * time.Minute)
		s.set(p, at)
		last[p] = at
		if n := s.entries(); n > patients {
			t.Fatalf("after %d writes the schedule holds %d entries for %d patients", i+1, n, patients)
		}
	}
	if s.entries() != patients || s.len() != patients {
		t.Fatalf("%d entries, %d patients scheduled; want %d of each", s.entries(), s.len(), patients)
	}
	s.set("Patient/p0", time.Time{}) // nothing due any more
	delete(last, "Patient/p0")
	due := s.popDue(base.AddDate(10, 0, 0))
	if len(due) != patients-1 || s.entries() != 0 || s.len() != 0 {
		t.Fatalf("popped %d, %d entries left; want %d popped, none left", len(due), s.entries(), patients-1)
	}
	for i, e := range due {
		if !e.at.Equal(last[e.patient]) {
			t.Errorf("%s due at %s, last set to %s", e.patient, e.at, last[e.patient])
		}
		if i > 0 && e.at.Before(due[i-1].at) {
			t.Errorf("%s popped after a later one", e.patient)
		}
	}
}

func TestScheduleMovesEntries(t *testing.T) {
	s := newSchedule()
	t1 := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	s.set("Patient/a", t1)
	s.set("Patient/b", t1.Add(time.Hour))
	s.set("Patient/a", t1.Add(2*time.Hour)) // later: a is no longer due at t1
	if got := s.popDue(t1); len(got) != 0 {
		t.Errorf("popDue(t1) = %v, want none", got)
	}
	s.set("Patient/b", t1.Add(-time.Hour)) // earlier
	if got := s.popDue(t1); len(got) != 1 || got[0].patient != "Patient/b" {
		t.Errorf("popDue(t1) = %v, want Patient/b", got)
	}
	if got := s.popDue(t1.Add(2 * time.Hour)); len(got) != 1 || got[0].patient != "Patient/a" {
		t.Errorf("popDue(t1+2h) = %v, want Patient/a", got)
	}
}

// TestScheduleBoundedByPatients: a worker that writes each patient's record
// many times (and reads every write back through the bucket's watch) keeps
// at most one schedule entry per patient.
func TestScheduleBoundedByPatients(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	w, _ := e.startWorker(t, Config{FetchBatch: 1, TickInterval: time.Hour}, WithClock(clk.Now))
	files := samplePatients(t)
	n := e.publishFiles(t, files...)
	e.drain(t, Config{})
	patients := len(offline(t, e.eng, scenarioAsOf, files...)) // one trial: one status per patient
	if n <= patients {
		t.Fatalf("%d resources for %d patients: the test needs several writes per patient", n, patients)
	}
	if got := w.due.entries(); got == 0 || got > patients {
		t.Errorf("schedule holds %d entries after %d messages for %d patients", got, n, patients)
	}
}
