package workload_test

import (
	"sync"
	"testing"
	"time"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
	"github.com/trialscout/trialscout/workload"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// shipped is the engine with the shipped trials, built once.
var shipped = sync.OnceValues(func() (*engine.Evaluator, error) {
	trials, err := config.ShippedTrials()
	if err != nil {
		return nil, err
	}
	return engine.New(trials)
})

func newEngine(t *testing.T) *engine.Evaluator {
	t.Helper()
	e, err := shipped()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// population is 300 patients with two shorter long histories, generated once.
var population = sync.OnceValues(func() ([]workload.Resource, error) {
	return workload.Generate(workload.Config{Patients: 300, Seed: 7, LongHistory: 2, LongHistoryLen: 300})
})

func generated(t *testing.T) []workload.Resource {
	t.Helper()
	rs, err := population()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// kept reports whether the store keeps a mapped resource.
func kept(f *facts.Resource) bool {
	return f != nil && (f.Relevant || f.Allergy != nil || f.Demographics != nil)
}

// mappedResource is one generated resource and what the mapper made of it.
type mappedResource struct {
	workload.Resource
	results []fhirmap.Result
}

// mapped runs every resource of the population through the project's
// mapper once, for the tests below.
var mapped = sync.OnceValues(func() ([]mappedResource, error) {
	e, err := shipped()
	if err != nil {
		return nil, err
	}
	rs, err := population()
	if err != nil {
		return nil, err
	}
	out := make([]mappedResource, len(rs))
	for i, r := range rs {
		out[i] = mappedResource{r, e.Map(r.JSON, fhirmap.Position{File: "workload", Line: i + 1})}
	}
	return out, nil
})

func mappedPopulation(t *testing.T) []mappedResource {
	t.Helper()
	ms, err := mapped()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestEveryResourceMaps checks every resource against the project's
// mapper: each is read (a fact, or ignored as a type trialscout does not
// read), none is rejected, and Relevant says whether the mapper kept a fact.
func TestEveryResourceMaps(t *testing.T) {
	for _, m := range mappedPopulation(t) {
		r := m.Resource
		if len(m.results) != 1 {
			t.Fatalf("%s: %d results, want 1", r.Ref, len(m.results))
		}
		res := m.results[0]
		switch {
		case res.Err != nil:
			t.Fatalf("%s rejected: %v\n%s", r.Ref, res.Err, r.JSON)
		case res.Ref != r.Ref || res.Type != r.Type:
			t.Fatalf("mapped as %s (%s), generated as %s (%s)", res.Ref, res.Type, r.Ref, r.Type)
		case res.Fact == nil && res.Ignored == "":
			t.Fatalf("%s: neither fact nor reason", r.Ref)
		case res.Fact != nil && res.Fact.Patient != r.Patient:
			t.Fatalf("%s: patient %s, want %s", r.Ref, res.Fact.Patient, r.Patient)
		}
		if got := kept(res.Fact); got != r.Relevant {
			t.Fatalf("%s: Relevant %v, but the mapper kept a fact: %v\n%s", r.Ref, r.Relevant, got, r.JSON)
		}
	}
}

// TestStatusesVary applies the population's facts in stream order and
// evaluates every patient with the SLE trial at AsOf: candidates,
// incomplete and ineligible patients all occur.
func TestStatusesVary(t *testing.T) {
	e := newEngine(t)
	patients := map[string]*facts.Patient{}
	for _, m := range mappedPopulation(t) {
		for _, res := range m.results {
			if res.Fact == nil {
				continue
			}
			p := patients[res.Fact.Patient]
			if p == nil {
				p = facts.NewPatient(res.Fact.Patient)
				patients[res.Fact.Patient] = p
			}
			p.Apply(*res.Fact)
		}
	}
	counts := map[evaluator.Status]int{}
	for _, p := range patients {
		for _, ev := range e.Evaluate(p, asOf) {
			if ev.Trial == "sle-refractory" { // the population is written for it
				counts[ev.Status]++
			}
		}
	}
	t.Logf("statuses of %d patients: %v", len(patients), counts)
	if len(patients) != 300 {
		t.Errorf("%d patients evaluated, want 300", len(patients))
	}
	for _, s := range []evaluator.Status{evaluator.Candidate, evaluator.Incomplete, evaluator.Ineligible} {
		if counts[s] < 5 {
			t.Errorf("%d %s patients, want at least 5", counts[s], s)
		}
	}
}
