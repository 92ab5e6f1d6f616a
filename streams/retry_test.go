package streams

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

func TestBackoff(t *testing.T) {
	base, ceiling := 2*time.Second, 5*time.Minute
	low, high := func() float64 { return 0 }, func() float64 { return 0.999999 }
	want := []time.Duration{2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}
	for i, w := range want {
		n := uint64(i + 1)
		full := w * time.Second
		if got := backoff(n, base, ceiling, low); got != full/2 {
			t.Errorf("delivery %d, least jitter: %s, want %s", n, got, full/2)
		}
		if got := backoff(n, base, ceiling, high); got > full || got < full-time.Millisecond {
			t.Errorf("delivery %d, most jitter: %s, want just under %s", n, got, full)
		}
	}
	if got := backoff(1_000_000, base, ceiling, high); got > ceiling {
		t.Errorf("delivery 1,000,000: %s, over the ceiling %s", got, ceiling)
	}
}

// failingPublisher fails every event of one patient, as a patient whose
// events can never be published would.
type failingPublisher struct {
	Publisher
	patient string
}

func (f *failingPublisher) Publish(ctx context.Context, subject string, data []byte, id string, h map[string]string) error {
	if strings.HasPrefix(subject, "eligibility.") && strings.Contains(string(data), `"patient":"`+f.patient+`"`) {
		return errors.New("injected: the event cannot be published")
	}
	return f.Publisher.Publish(ctx, subject, data, id, h)
}

// TestGiveUpAfterMaxDeliveries: a message that fails every delivery is
// retried with backoff MaxDeliveries times, then copied to REJECTED with
// "gave up after N deliveries: <last error>" and terminated; the other
// patients' messages are handled meanwhile, and every count is right.
func TestGiveUpAfterMaxDeliveries(t *testing.T) {
	e := startNATS(t)
	reg := prometheus.NewRegistry()
	cfg := Config{MaxDeliveries: 3, NakDelay: 10 * time.Millisecond, MaxNakDelay: 40 * time.Millisecond}
	w, err := NewWorker(e.js, e.eng, cfg, WithClock((&clock{t: scenarioAsOf}).Now), WithMetrics(NewMetrics(reg)))
	if err != nil {
		t.Fatal(err)
	}
	w.pub = &failingPublisher{Publisher: w.pub, patient: "Patient/stuck"}
	runWorker(t, w)
	ctx := context.Background()
	if err := EnsureInput(ctx, e.js, Config{}); err != nil {
		t.Fatal(err)
	}
	ack, err := e.js.Publish(ctx, "fhir.r4.Patient", []byte(`{"resourceType":"Patient","id":"stuck","birthDate":"1980-01-01","gender":"female"}`))
	if err != nil {
		t.Fatal(err)
	}
	files := samplePatients(t)
	n := e.publishFiles(t, files...)
	e.drain(t, cfg)

	copies := readAll(t, e.js, "REJECTED", "", func(m jetstream.Msg) jetstream.Msg { return m })
	if len(copies) != 1 {
		t.Fatalf("%d copies in REJECTED, want the one given up on", len(copies))
	}
	reason := copies[0].Headers().Get(ErrorHeader)
	if !strings.HasPrefix(reason, "gave up after 3 deliveries: ") || !strings.Contains(reason, "injected: the event cannot be published") {
		t.Errorf("reason %q, want gave up after 3 deliveries with the last error", reason)
	}
	if got := copies[0].Headers().Get(jetstream.MsgIDHeader); got != "rejected:FHIR:"+strconv.FormatUint(ack.Sequence, 10) {
		t.Errorf("copy id %q", got)
	}
	if diff := finalStatuses(e.events(t)); len(diff) != len(offline(t, e.eng, scenarioAsOf, files...)) {
		t.Errorf("the other patients' events: %v", diff)
	}
	counts := gather(t, reg)
	if counts["trialscout_gave_up_total"] != 1 || counts["trialscout_retries_total"] != 2 {
		t.Errorf("gave up %v, retries %v; want 1 and 2", counts["trialscout_gave_up_total"], counts["trialscout_retries_total"])
	}
	// Each message counted once, though the stuck one was delivered three times.
	if got := counts["trialscout_resources_consumed_total"]; got != float64(n+1) {
		t.Errorf("%v resources counted, want %d", got, n+1)
	}
}

// TestSetAsideAfterUnsettledDeliveries: a message whose deliveries never
// settle (a worker dies, or stalls past the ack wait, each time) is set
// aside on the delivery after the last allowed one, without being handled
// again.
func TestSetAsideAfterUnsettledDeliveries(t *testing.T) {
	e := startNATS(t)
	cfg := Config{MaxDeliveries: 2, AckWait: 300 * time.Millisecond, DuplicateWindow: time.Minute}
	stalled, err := NewWorker(e.js, e.eng, cfg, WithClock((&clock{t: scenarioAsOf}).Now))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stalled.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Publish(context.Background(), "fhir.r4.Patient", []byte(`{"resourceType":"Patient","id":"p1"}`)); err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 2; want++ { // delivered, and never settled
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if got := deliveries(m); got != want {
				t.Fatalf("delivery %d, want %d", got, want)
			}
		}
	}
	e.startWorker(t, cfg, WithClock((&clock{t: scenarioAsOf}).Now))
	e.drain(t, cfg)
	got := readAll(t, e.js, "REJECTED", "", func(m jetstream.Msg) string { return m.Headers().Get(ErrorHeader) })
	if len(got) != 1 || !strings.HasPrefix(got[0], "gave up after 3 deliveries: no outcome recorded") {
		t.Errorf("rejected %q, want one given up after 3 deliveries", got)
	}
	if evs := e.events(t); len(evs) != 0 {
		t.Errorf("%d events: a message past its deliveries is not handled again", len(evs))
	}
}

// TestRetryCountsOnce: a message that fails once and then succeeds counts
// its resources once.
func TestRetryCountsOnce(t *testing.T) {
	e := startNATS(t)
	reg := prometheus.NewRegistry()
	cfg := Config{NakDelay: 10 * time.Millisecond}
	w, err := NewWorker(e.js, e.eng, cfg, WithClock((&clock{t: scenarioAsOf}).Now), WithMetrics(NewMetrics(reg)))
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyPublisher{Publisher: w.pub}
	w.pub = flaky
	runWorker(t, w)
	n := e.publishFiles(t, samplePatients(t)[0])
	e.drain(t, cfg)
	counts := gather(t, reg)
	if !flaky.failed.Load() || counts["trialscout_retries_total"] < 1 {
		t.Fatalf("no retry happened (retries %v)", counts["trialscout_retries_total"])
	}
	if got := counts["trialscout_resources_consumed_total"]; got != float64(n) {
		t.Errorf("%v resources counted for %d published", got, n)
	}
}

// gather sums each metric of the registry over its labels.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			out[f.GetName()] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}
