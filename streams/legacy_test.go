package streams

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/evaluator"
)

// TestUpgradeFromSchema1: records written by the previous version (one key
// per patient, facts by concept name) are rebuilt from the input stream;
// their last evaluations are the previous ones, so the upgrade publishes
// only real status changes; the old keys are removed; the log says so.
func TestUpgradeFromSchema1(t *testing.T) {
	e := startNATS(t)
	ctx := context.Background()
	cfg := Config{}.withDefaults()
	files := samplePatients(t)
	e.publishFiles(t, files...)
	kv, err := Ensure(ctx, e.js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ackEverything(t, e, cfg) // the previous version consumed it all

	// The previous version's records: eval's evaluations, one of them with
	// another status than today's.
	var inputs []engine.Input
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		inputs = append(inputs, engine.Input{Name: f, R: r})
	}
	changed := ""
	byPatient := map[string]map[string]evaluator.Evaluation{} // every trial's, as the previous version kept them
	for _, ev := range e.eng.Run(inputs, scenarioAsOf).Evaluations {
		if changed == "" && ev.Status == evaluator.Ineligible {
			changed, ev.Status = ev.Patient, evaluator.Incomplete
		}
		if byPatient[ev.Patient] == nil {
			byPatient[ev.Patient] = map[string]evaluator.Evaluation{}
		}
		byPatient[ev.Patient][ev.Trial] = ev
	}
	for patient, evs := range byPatient {
		old := map[string]any{"next_check": nil, "facts": map[string]any{"id": patient, "observations": map[string]any{}},
			"evaluations": evs}
		data, _ := json.Marshal(old)
		if _, err := kv.Put(ctx, patient, data); err != nil {
			t.Fatal(err)
		}
	}
	if changed == "" {
		t.Fatal("no ineligible sample patient to give another previous status")
	}

	core, logs := observer.New(zap.InfoLevel)
	w, _ := e.startWorker(t, Config{}, WithClock((&clock{t: scenarioAsOf}).Now), WithLogger(zap.New(core)))
	waitActive(t, w, "sle-refractory")
	waitLog(t, logs, "upgrade done: records of the earlier version removed")

	evs := e.events(t)
	if len(evs) != 1 || evs[0].Patient != changed || evs[0].PreviousStatus != evaluator.Incomplete || evs[0].Cause != replayCause {
		t.Errorf("events after the upgrade: %+v; want one, for %s, from incomplete", evs, changed)
	}
	want := offline(t, e.eng, scenarioAsOf, files...)
	stored := map[string]string{}
	err = ReadStates(ctx, e.js, cfg, func(st *State) error {
		for id, se := range st.Evaluations {
			stored[st.Patient+" "+id] = string(se.Evaluation.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored statuses (-eval +stored):\n%s", diff)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys.Keys() {
		if isLegacyKey(k) {
			t.Errorf("old record %s still in the bucket", k)
		}
	}
	if logs.FilterMessageSnippet("trials pending").Len() == 0 {
		t.Error("no log line says the trials are pending for the upgrade")
	}
}

// ackEverything consumes and acknowledges every input message on the
// worker's durable consumer, as a worker of the previous version did.
func ackEverything(t *testing.T, e *env, cfg Config) {
	t.Helper()
	ctx := context.Background()
	cons, err := e.js.CreateOrUpdateConsumer(ctx, cfg.InputStream, jetstream.ConsumerConfig{
		Durable: cfg.Consumer, AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: cfg.InputSubject})
	if err != nil {
		t.Fatal(err)
	}
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n == 0 {
			return
		}
	}
}

// waitLog waits for a log line containing snippet.
func waitLog(t *testing.T, logs *observer.ObservedLogs, snippet string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for logs.FilterMessageSnippet(snippet).Len() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q within 30s", snippet)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
