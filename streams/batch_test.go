package streams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

// TestBatchWritesEachPatientOnce: a backlog of one patient's resources,
// handled as one batch, is applied with one evaluation and one record
// write (plus the write that clears the outbox), acks every message, and
// ends where eval ends.
func TestBatchWritesEachPatientOnce(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	w, err := NewWorker(e.js, e.eng, Config{}, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := w.Setup(context.Background())
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
	// One head write with the events, one that clears the outbox. A
	// patient's record holds every trial's evaluation.
	patients := map[string]bool{}
	for key := range want {
		patient, _, _ := strings.Cut(key, " ")
		patients[patient] = true
	}
	writes := map[string]int{}
	for n := 0; n < 2*len(patients); n++ {
		select {
		case u := <-heads.Updates():
			writes[u.Key()]++
		case <-time.After(5 * time.Second):
			t.Fatalf("%d head writes seen, want %d: %v", n, 2*len(patients), writes)
		}
	}
	for key := range want {
		patient, _, _ := strings.Cut(key, " ")
		if got := writes[patientKey(patient)]; got != 2 {
			t.Errorf("%s: head written %d times for one batch, want 2", patient, got)
		}
	}
}
