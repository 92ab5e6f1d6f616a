package streams

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
)

// namingTrialFile reuses the SLE trial's concept names with other codes.
const namingTrialFile = "../testdata/trials/same-names-other-codes.yaml"

// engineWith is the shipped trials plus the trial files given.
func engineWith(t *testing.T, files ...string) *engine.Evaluator {
	t.Helper()
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		tr, err := config.LoadTrialFile(f)
		if err != nil {
			t.Fatal(err)
		}
		trials = append(trials, tr)
	}
	eng, err := engine.New(trials)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestTrialAddedLater: data flows with one trial; the worker is started
// again with a second trial. Every patient's stored evaluation and last
// event for the new trial equal eval over the same input, the new trial's
// events all come from its first decisions on full data (cause "trial"),
// and the first trial publishes nothing new.
func TestTrialAddedLater(t *testing.T) {
	e := startNATS(t)
	clk := &clock{t: scenarioAsOf}
	cfg := Config{}
	files := append(samplePatients(t), "../engine/testdata/naming-patient.json")
	_, stop := e.startWorker(t, cfg, WithClock(clk.Now))
	e.publishFiles(t, files...)
	e.drain(t, cfg)
	stop()
	before := e.events(t)

	both := engineWith(t, namingTrialFile)
	e.eng = both
	w, _ := e.startWorker(t, cfg, WithClock(clk.Now))
	later := "../engine/testdata/naming-patient-later.json" // arrives while the replay may run
	e.publishFiles(t, later)
	waitActive(t, w, "same-names-other-codes")
	e.drain(t, cfg)

	want := offline(t, both, scenarioAsOf, append(files, later)...)
	evs := e.events(t)
	checkTransitions(t, evs)
	if diff := cmp.Diff(want, finalStatuses(evs)); diff != "" {
		t.Errorf("final statuses (-eval +worker):\n%s", diff)
	}
	first := map[string]bool{}
	for _, ev := range evs[len(before):] {
		key := ev.Patient + " " + ev.Trial
		switch {
		case ev.Trial != "same-names-other-codes" && ev.Cause == replayCause:
			t.Errorf("event %s: the trial that was already active was decided again", key)
		case ev.Trial == "same-names-other-codes" && !first[key] && (ev.Cause != replayCause || ev.PreviousStatus != ""):
			t.Errorf("event %s: the added trial's first event has cause %q from %q, want its first decision on full data", key, ev.Cause, ev.PreviousStatus)
		}
		first[key] = true
	}
	if len(first) == 0 {
		t.Fatal("no event for the added trial")
	}
	stored := map[string]string{}
	err := ReadStates(context.Background(), e.js, cfg, func(st *State) error {
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
}

// waitActive waits until the worker's catalog has the trial active.
func waitActive(t *testing.T, w *Worker, trial string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c := w.catalog()
		if c.Active[trial] != "" && c.Active[trial] == c.Trials[trial] && c.Replay == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("trial %s not active within 60s: %+v", trial, w.catalog())
}

// TestSourcesStayApart: the same Patient id from two sources (the message's
// Trialscout-Source) is two patients, each with its own record.
func TestSourcesStayApart(t *testing.T) {
	e := startNATS(t)
	cfg := Config{}
	_, stop := e.startWorker(t, cfg, WithClock((&clock{t: scenarioAsOf}).Now))
	defer stop()
	if err := EnsureInput(context.Background(), e.js, cfg); err != nil {
		t.Fatal(err)
	}
	send := func(source, body string) {
		m := nats.NewMsg("fhir.r4.Patient")
		m.Data = []byte(body)
		if source != "" {
			m.Header.Set(SourceHeader, source)
		}
		if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	send("", `{"resourceType":"Patient","id":"x","gender":"female","birthDate":"1990-04-02"}`)
	send("https://hosp-b.example/fhir", `{"resourceType":"Patient","id":"x","gender":"male","birthDate":"1950-07-19"}`)
	send("https://hosp-b.example/fhir", `{"resourceType":"Condition","id":"c","code":{"coding":[{"system":"http://snomed.info/sct","code":"55464009"}]},"subject":{"reference":"Patient/x"}}`)
	e.drain(t, cfg)
	got := map[string]string{}
	err := ReadStates(context.Background(), e.js, cfg, func(st *State) error {
		d := st.Facts.Demographics
		got[st.Patient] = fmt.Sprintf("%s %s conditions=%d", d.Gender, d.BirthDate.Format(time.DateOnly), len(st.Facts.Conditions))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Patient/x":                             "female 1990-04-02 conditions=0",
		"https://hosp-b.example/fhir/Patient/x": "male 1950-07-19 conditions=1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}
