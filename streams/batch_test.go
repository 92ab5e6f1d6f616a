package streams

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

// TestBatchWritesEachPatientOnce: a backlog of one patient's resources,
// handled as one batch, is applied with one evaluation and one record
// write, acks every message, and ends where eval ends.
func TestBatchWritesEachPatientOnce(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	w, err := NewWorker(e.js, e.eng, Config{}, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := w.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	file := samplePatients(t)[0]
	n := e.publishFiles(t, file)
	if n < 3 {
		t.Fatalf("%s has %d resources: the test needs several", file, n)
	}
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := collect(batch)
	if err != nil || len(msgs) != n {
		t.Fatalf("fetched %d of %d messages: %v", len(msgs), n, err)
	}
	kv, err := e.js.KeyValue(context.Background(), "trialscout-state")
	if err != nil {
		t.Fatal(err)
	}
	heads, err := kv.WatchFiltered(context.Background(), []string{patientPrefix + "*"}, jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer heads.Stop()
	w.HandleBatch(context.Background(), msgs)
	e.drain(t, Config{})

	want := offline(t, e.eng, scenarioAsOf, file)
	evs := e.events(t)
	if diff := cmp.Diff(want, finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
	if len(evs) != len(want) {
		t.Errorf("%d events for %d statuses: a batch evaluates each patient once", len(evs), len(want))
	}
	// One head write with the decisions and their events. Once the events
	// are out, the next write of the head leaves them out: here the one of
	// an idle worker, since nothing else comes. A patient's record holds
	// every trial's evaluation.
	patients := map[string]bool{}
	for key := range want {
		patient, _, _ := strings.Cut(key, " ")
		patients[patient] = true
	}
	outboxes := func(step string) map[string]int {
		t.Helper()
		out := map[string]int{}
		for n := 0; n < len(patients); n++ {
			select {
			case u := <-heads.Updates():
				var h head
				if err := json.Unmarshal(u.Value(), &h); err != nil {
					t.Fatal(err)
				}
				out[u.Key()] = len(h.Outbox)
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: %d head writes seen, want %d: %v", step, n, len(patients), out)
			}
		}
		select {
		case u := <-heads.Updates():
			t.Fatalf("%s: another head write, of %s", step, u.Key())
		case <-time.After(200 * time.Millisecond):
		}
		return out
	}
	first := outboxes("the batch")
	w.flushClears(context.Background(), true)
	second := outboxes("the idle worker")
	for patient := range patients {
		key := patientKey(patient)
		if first[key] == 0 || second[key] != 0 {
			t.Errorf("%s: events in the head's outbox %d, then %d; want some, then none", patient, first[key], second[key])
		}
	}
}
