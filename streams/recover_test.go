package streams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// withWall sets the worker's real clock (readiness, ages) for a test.
func withWall(now func() time.Time) Option { return func(w *Worker) { w.wall = now } }

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within a minute: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func logged(logs *observer.ObservedLogs, msg string) bool { return logs.FilterMessage(msg).Len() > 0 }

// TestDeletedConsumerIsRecreated: a consumer deleted while the worker runs
// is created again, the log says so, the worker is ready again, and the
// input (read again from the start) ends as eval says, with no event twice.
func TestDeletedConsumerIsRecreated(t *testing.T) {
	e := startNATS(t)
	core, logs := observer.New(zapcore.InfoLevel)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{TickInterval: 20 * time.Millisecond}
	w, _ := e.startWorker(t, cfg, WithClock(clk.Now), WithLogger(zap.New(core)))
	files := samplePatients(t)
	e.publishFiles(t, files[0])
	e.drain(t, cfg)
	if err := e.js.DeleteConsumer(context.Background(), "FHIR", "trialscout"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the worker recreates its consumer", func() bool { return logged(logs, "consumer was missing; recreated it (and any missing stream)") })
	e.publishFiles(t, files[1:]...)
	e.drain(t, cfg)
	waitFor(t, "the worker is ready again", func() bool { return w.Readiness() == nil })
	evs := e.events(t)
	checkTransitions(t, evs)
	if diff := cmp.Diff(offline(t, e.eng, scenarioAsOf, files...), finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
}

// TestDeletedStreamsAreRecreated: the input stream, and the event stream,
// deleted while the worker runs, are created again and the worker goes on.
func TestDeletedStreamsAreRecreated(t *testing.T) {
	e := startNATS(t)
	core, logs := observer.New(zapcore.InfoLevel)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{TickInterval: 20 * time.Millisecond, NakDelay: 20 * time.Millisecond, MaxDeliveries: 100}
	e.startWorker(t, cfg, WithClock(clk.Now), WithLogger(zap.New(core)))
	ctx := context.Background()
	files := samplePatients(t)
	for _, stream := range []string{"FHIR", "ELIGIBILITY"} {
		if err := e.js.DeleteStream(ctx, stream); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the worker recreates the input stream", func() bool {
		_, err := e.js.Stream(ctx, "FHIR")
		return err == nil && logged(logs, "consumer was missing; recreated it (and any missing stream)")
	})
	e.publishFiles(t, files...)
	e.drain(t, cfg)
	evs := e.events(t)
	checkTransitions(t, evs)
	if diff := cmp.Diff(offline(t, e.eng, scenarioAsOf, files...), finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
	if got := readAll(t, e.js, "REJECTED", "", func(m jetstream.Msg) string { return m.Headers().Get(ErrorHeader) }); len(got) != 0 {
		t.Errorf("set aside while the event stream was missing: %q", got)
	}
}

// TestReadinessWhileConsumerMissing: with creation off, a deleted consumer
// makes the worker not ready, and it is ready again (and consumes) once
// the consumer is back.
func TestReadinessWhileConsumerMissing(t *testing.T) {
	e := startNATS(t)
	ctx := context.Background()
	if _, err := Ensure(ctx, e.js, Config{}); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.InfoLevel)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{NoCreate: true, TickInterval: 20 * time.Millisecond}
	w, _ := e.startWorker(t, cfg, WithClock(clk.Now), WithLogger(zap.New(core)))
	if err := w.Readiness(); err != nil {
		t.Fatalf("not ready after start: %v", err)
	}
	c, err := e.js.Consumer(ctx, "FHIR", "trialscout")
	if err != nil {
		t.Fatal(err)
	}
	consumerCfg := c.CachedInfo().Config
	if err := e.js.DeleteConsumer(ctx, "FHIR", "trialscout"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "readiness fails", func() bool {
		err := w.Readiness()
		return err != nil && strings.Contains(err.Error(), "missing, and creating is off")
	})
	if !logged(logs, "consumer is missing and creating is off; not ready until it is back") {
		t.Error("no log line says the consumer is missing")
	}
	if _, err := e.js.CreateConsumer(ctx, "FHIR", consumerCfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ready again", func() bool { return w.Readiness() == nil })
	files := samplePatients(t)[:1]
	e.publishFiles(t, files...)
	e.drain(t, cfg)
	if diff := cmp.Diff(offline(t, e.eng, scenarioAsOf, files...), finalStatuses(e.events(t))); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
}

// TestReadinessReportsStall: input pending and nothing settled for
// StallAfter makes the worker not ready; the pending gauge and the age of
// the oldest pending message say how much and how old.
func TestReadinessReportsStall(t *testing.T) {
	e := startNATS(t)
	wall := &clock{t: time.Now()}
	cfg := Config{TickInterval: 20 * time.Millisecond, NakDelay: time.Hour, MaxDeliveries: 100, StallAfter: time.Minute}
	reg := prometheus.NewRegistry()
	w, err := NewWorker(e.js, e.eng, cfg, WithClock((&clock{t: scenarioAsOf}).Now), withWall(wall.Now), WithMetrics(NewMetrics(reg)))
	if err != nil {
		t.Fatal(err)
	}
	w.pub = &failingPublisher{Publisher: w.pub, patient: "Patient/stuck"}
	runWorker(t, w)
	if _, err := e.js.Publish(context.Background(), "fhir.r4.Patient", []byte(`{"resourceType":"Patient","id":"stuck","gender":"female","birthDate":"1980-01-01"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed message is seen pending", func() bool {
		w.health.mu.Lock()
		defer w.health.mu.Unlock()
		return w.health.pending == 1
	})
	if err := w.Readiness(); err != nil {
		t.Errorf("not ready before StallAfter has passed: %v", err)
	}
	wall.Set(wall.Now().Add(3 * time.Minute)) // the message was published within a minute of the start
	waitFor(t, "readiness reports the stall", func() bool {
		err := w.Readiness()
		return err != nil && strings.Contains(err.Error(), "no input message settled for 3m0s while 1 are pending")
	})
	waitFor(t, "the oldest pending message's age is measured", func() bool {
		return gather(t, reg)["trialscout_oldest_pending_seconds"] >= 120
	})
}
