package streams

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestStartPublishesLeftOutboxes: a worker that stopped after writing a
// record's events to its outbox, and before publishing them, left them
// there for good (its message was acknowledged, say, by a worker killed
// later). A worker that starts publishes them and leaves them out of the
// record.
func TestStartPublishesLeftOutboxes(t *testing.T) {
	e := startNATS(t)
	ctx := t.Context()
	clk := &clock{t: scenarioAsOf}
	stopped, err := NewWorker(e.js, e.eng, Config{}, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stopped.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	const patient = "Patient/left-behind"
	p := stopped.prepare(ctx, patient, conditionWork(t, e, "left-sle", patient, "1"), true)
	if p.err != nil {
		t.Fatal(p.err)
	}
	if err := p.ch.commit(ctx, p.recs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, ev := range p.ch.own.head.Outbox {
		want = append(want, ev.ID)
	}
	if len(want) == 0 {
		t.Fatal("the first evaluation left no event in the outbox: the test tests nothing")
	}
	if evs := e.events(t); len(evs) != 0 {
		t.Fatalf("%d events published before any worker ran", len(evs))
	}

	e.startWorker(t, Config{}, WithClock(clk.Now))
	kv, err := e.js.KeyValue(ctx, "trialscout-state")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		entry, err := kv.Get(ctx, patientKey(patient))
		if err != nil {
			t.Fatal(err)
		}
		var h head
		if err := json.Unmarshal(entry.Value(), &h); err != nil {
			t.Fatal(err)
		}
		if len(h.Outbox) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s the record still holds %d events", len(h.Outbox))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var got []string
	for _, ev := range e.events(t) {
		got = append(got, ev.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("published %v, want the outbox's %v", got, want)
	}
}
