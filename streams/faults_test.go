package streams

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

// flakyPublisher fails the first event publish, as a crash between writing
// the state and publishing its outbox would leave things.
type flakyPublisher struct {
	Publisher
	failed atomic.Bool
}

func (f *flakyPublisher) Publish(ctx context.Context, subject string, data []byte, id string, h map[string]string) error {
	if strings.HasPrefix(subject, "eligibility.") && f.failed.CompareAndSwap(false, true) {
		return errors.New("injected: connection lost before the event was published")
	}
	return f.Publisher.Publish(ctx, subject, data, id, h)
}

// TestOutboxSurvivesPublishFailure: events written to the state but not
// published are published on the retry, once each.
func TestOutboxSurvivesPublishFailure(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{NakDelay: 50 * time.Millisecond}
	w, err := NewWorker(e.js, e.eng, cfg, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyPublisher{Publisher: w.pub}
	w.pub = flaky
	runWorker(t, w)
	files := samplePatients(t)
	e.publishFiles(t, files...)
	e.drain(t, cfg)
	if !flaky.failed.Load() {
		t.Fatal("the injected failure never happened")
	}
	evs := e.events(t)
	checkTransitions(t, evs)
	if diff := cmp.Diff(offline(t, e.eng, scenarioAsOf, files...), finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
}

func runWorker(t *testing.T, w *Worker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	select {
	case <-w.Ready():
	case err := <-done:
		t.Fatalf("worker stopped: %v", err)
	}
}

// TestRedeliveryAddsNoEvent: a message processed but not acked (the worker
// stalled past AckWait, or died) is redelivered; it yields no second event.
func TestRedeliveryAddsNoEvent(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{AckWait: 500 * time.Millisecond, DuplicateWindow: time.Minute}
	stalled, err := NewWorker(e.js, e.eng, cfg, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stalled.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	n := e.publishFiles(t, samplePatients(t)[0])
	// Process every message without acking, as a worker that stalls.
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	processed := 0
	for m := range batch.Messages() {
		for _, in := range stalled.process(context.Background(), []jetstream.Msg{m}, true) {
			if in.failed != nil || in.rej != nil {
				t.Fatalf("message %s: failed %v, rejected %v", m.Subject(), in.failed, in.rej)
			}
		}
		processed++
	}
	if processed != n {
		t.Fatalf("processed %d of %d", processed, n)
	}
	before := e.events(t)
	if len(before) == 0 {
		t.Fatal("no event before redelivery")
	}
	// A healthy worker now receives every message again, after AckWait.
	e.startWorker(t, cfg, WithClock(clk.Now))
	e.drain(t, cfg)
	if after := e.events(t); len(after) != len(before) {
		t.Errorf("%d events after redelivery, %d before", len(after), len(before))
	}
}

// TestTwoWorkersSameOutcome: two workers on one stream, messages of the same
// patients interleaved between them, reach the same final state as eval.
func TestTwoWorkersSameOutcome(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{FetchBatch: 1}
	e.startWorker(t, cfg, WithClock(clk.Now))
	e.startWorker(t, cfg, WithClock(clk.Now))
	files := samplePatients(t)
	e.publishFiles(t, files...)
	e.drain(t, cfg)
	evs := e.events(t)
	checkTransitions(t, evs)
	if diff := cmp.Diff(offline(t, e.eng, scenarioAsOf, files...), finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +workers):\n%s", diff)
	}
}

// TestMalformedInputIsRejected: each bad message lands in REJECTED with its
// reason, and the worker carries on with good input.
func TestMalformedInputIsRejected(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{MaxMessageBytes: 4096}
	e.startWorker(t, cfg, WithClock(clk.Now))
	bad := map[string]string{
		"fhir.r4.Observation": `{"resourceType":"Observation","id":"t1","status":"final"`,
		"fhir.r4.Patient":     `{"resourceType":"Patient","id":"p1","birthDate":"not a date"}`,
		"fhir.r4.Condition":   `{"resourceType":"Condition","id":"c1","code":{"text":"x"}}`,
		"fhir.r4.Foo":         `{"resourceType":"Foo","id":"f1"}`,
		"fhir.r4.Big":         `{"resourceType":"Observation","id":"big","note":[{"text":"` + strings.Repeat("x", 5000) + `"}]}`,
	}
	for subject, body := range bad {
		if _, err := e.js.Publish(context.Background(), subject, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	e.publishFiles(t, samplePatients(t)[0])
	e.drain(t, cfg)
	rejected := readAll(t, e.js, "REJECTED", "", func(m jetstream.Msg) string {
		return m.Headers().Get(SubjectHeader) + ": " + m.Headers().Get(ErrorHeader)
	})
	if len(rejected) != len(bad) {
		t.Fatalf("%d rejected, want %d: %v", len(rejected), len(bad), rejected)
	}
	for _, want := range []string{"not JSON", "not FHIR R4", "no patient reference", "over the 4096-byte limit"} {
		if !strings.Contains(strings.Join(rejected, "\n"), want) {
			t.Errorf("no rejection says %q: %v", want, rejected)
		}
	}
	if len(e.events(t)) == 0 {
		t.Error("the good patient after the bad input produced no event")
	}
}

// TestRestartKeepsState: a new worker, and a restarted NATS server on the
// same store, carry on from the stored state.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	e := startNATSAt(t, dir)
	clk := &clock{t: scenarioAsOf}
	files := samplePatients(t)
	_, stop := e.startWorker(t, Config{}, WithClock(clk.Now))
	e.publishFiles(t, files[:len(files)-1]...)
	e.drain(t, Config{})
	stop()
	before := len(e.events(t))
	e.stop()

	e2 := startNATSAt(t, dir)
	e2.startWorker(t, Config{}, WithClock(clk.Now))
	e2.publishFiles(t, files...) // the first files again (dropped as duplicates) and the last one
	e2.drain(t, Config{})
	evs := e2.events(t)
	checkTransitions(t, evs)
	if len(evs) <= before {
		t.Errorf("%d events after restart, %d before: the last patient gave none", len(evs), before)
	}
	if diff := cmp.Diff(offline(t, e2.eng, scenarioAsOf, files...), finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
}

// TestTimeDrivenChange: when the screening labs leave their window, the
// patient is re-evaluated with no new data and the change has cause "time".
func TestTimeDrivenChange(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	w, _ := e.startWorker(t, Config{TickInterval: time.Hour}, WithClock(clk.Now))
	e.publishFiles(t, samplePatients(t)...)
	e.drain(t, Config{})
	first := finalStatuses(e.events(t))
	clk.Set(scenarioAsOf.AddDate(0, 3, 0)) // every screening lab is now out of its window
	w.CheckDue(context.Background())
	evs := e.events(t)
	var timeDriven int
	for _, ev := range evs {
		if ev.Cause == "time" {
			timeDriven++
			if ev.Status == "candidate" || ev.Evaluation.AsOf.Before(scenarioAsOf.AddDate(0, 0, 20)) {
				t.Errorf("time-driven event %s -> %s as of %s", ev.PreviousStatus, ev.Status, ev.Evaluation.AsOf)
			}
		}
	}
	candidates := 0
	for _, s := range first {
		if s == "candidate" {
			candidates++
		}
	}
	if timeDriven < candidates {
		t.Errorf("%d time-driven events; want one at least for each of the %d candidates", timeDriven, candidates)
	}
	checkTransitions(t, evs)
}
