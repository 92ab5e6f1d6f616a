package streams

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
)

// TestTakeFromAHolderBetweenItsWrites: writer B gives a condition to
// patient Q and has written the resource index but not yet Q's record when
// writer A takes a newer version of it for patient P. A reads Q without the
// condition; its change writes Q's bucket again unchanged (a fence), so
// B's record write conflicts and B, made again, finds the newer version
// with P. The condition never ends up with both patients.
func TestTakeFromAHolderBetweenItsWrites(t *testing.T) {
	e := startNATS(t)
	ctx := t.Context()
	clk := &clock{t: scenarioAsOf}
	worker := func() *Worker {
		w, err := NewWorker(e.js, e.eng, Config{}, WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := worker(), worker()
	const ref = "Condition/moving-sle"
	work := func(patient, version string) *patientWork {
		t.Helper()
		return conditionWork(t, e, "moving-sle", patient, version)
	}

	// B, version 1 for Q: the index entry is written, the record not yet.
	pb := b.prepare(ctx, "Patient/q", work("Patient/q", "1"), true)
	if pb.err != nil {
		t.Fatal(pb.err)
	}
	writes, err := pb.ch.plan(ctx, pb.recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(writes) < 2 || writes[0].key != resourceKey(ref) {
		t.Fatalf("B's writes begin with %v: the test expects the index entry first", writes)
	}
	if err := b.store.write(ctx, writes[:1]); err != nil {
		t.Fatal(err)
	}

	// A, version 2 for P, in full.
	if err := a.applyPatient(ctx, "Patient/p", work("Patient/p", "2"), true); err != nil {
		t.Fatal(err)
	}

	// B's record write must not land over A's view of Q.
	if err := b.store.write(ctx, writes[1:]); !errors.Is(err, errConflict) {
		t.Fatalf("B's record write after A took the condition: %v, want a conflict", err)
	}
	pb.discard(b.store)
	if err := b.applyPatient(ctx, "Patient/q", work("Patient/q", "1"), true); err != nil {
		t.Fatal(err)
	}

	holders := map[string]bool{}
	err = ReadStates(ctx, e.js, Config{}, func(st *State) error {
		if st.Facts.Holds(ref) {
			holders[st.Patient] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(holders) != 1 || !holders["Patient/p"] {
		t.Errorf("%s held by %v, want Patient/p alone", ref, holders)
	}
}

// conditionWork is one version of an active SLE condition of patient, as a
// worker's work for that patient.
func conditionWork(t *testing.T, e *env, id, patient, version string) *patientWork {
	t.Helper()
	doc := fmt.Sprintf(`{"resourceType":"Condition","id":%q,"meta":{"versionId":%q},
		"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
		"code":{"coding":[{"system":"http://snomed.info/sct","code":"55464009"}]},
		"subject":{"reference":%q},"onsetDateTime":"2020-01-01"}`, id, version, patient)
	rs := e.eng.Map([]byte(doc), fhirmap.Position{File: "condition"})
	if len(rs) != 1 || rs[0].Err != nil || rs[0].Fact == nil {
		t.Fatalf("mapping the condition: %+v", rs)
	}
	return &patientWork{mu: new(sync.Mutex), resources: []facts.Resource{*rs[0].Fact}, trigger: "Condition/" + id}
}
