package evaluator_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
	"github.com/trialscout/trialscout/internal/testengine"
)

// samplePatients is the project's own worked patients.
const samplePatients = "../testdata/patients"

// TestKeptIndexMatchesFresh: an evaluation of a patient kept between
// changes (whose trial index is brought up to date with what changed, not
// built anew) equals one of a fresh copy of the same facts, after every step
// of a random history: every worked patient's resources in random order,
// with corrections that move observations in time, change their status,
// refute conditions, stop medications and retract, and pruning at a
// horizon that moves. Every patient keeps its index here, however few its
// facts.
func TestKeptIndexMatchesFresh(t *testing.T) {
	defer evaluator.SetKeptIndexFrom(0)()
	files, err := filepath.Glob(filepath.Join(samplePatients, "*.expected.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample patients in %s: %v", samplePatients, err)
	}
	e := testengine.Shipped(t)
	for i, expFile := range files {
		base := strings.TrimSuffix(expFile, ".expected.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			resources := mappedResources(t, e, sampleInput(t, base))
			checkKeptIndex(t, e, resources, sampleAsOf(t, expFile), uint64(i))
		})
	}
}

// sampleAsOf is the instant a worked patient's expected results hold at.
func sampleAsOf(t *testing.T, expFile string) time.Time {
	t.Helper()
	data, err := os.ReadFile(expFile)
	if err != nil {
		t.Fatal(err)
	}
	var x struct {
		AsOf time.Time `json:"as_of"`
	}
	if err := json.Unmarshal(data, &x); err != nil || x.AsOf.IsZero() {
		t.Fatalf("%s: no as_of (%v)", expFile, err)
	}
	return x.AsOf
}

// sampleInput is the worked patient's input: base.json (a Bundle) or
// base.ndjson.
func sampleInput(t *testing.T, base string) string {
	t.Helper()
	for _, ext := range []string{".json", ".ndjson"} {
		if _, err := os.Stat(base + ext); err == nil {
			return base + ext
		}
	}
	t.Fatalf("no %s.json or %s.ndjson", base, base)
	return ""
}

func checkKeptIndex(t *testing.T, e *engine.Evaluator, resources []facts.Resource, asOf time.Time, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 11))
	r.Shuffle(len(resources), func(i, j int) { resources[i], resources[j] = resources[j], resources[i] })
	patients := map[string]*facts.Patient{}
	var arrival uint64
	var applied []facts.Resource
	step := func(res facts.Resource, what string) {
		arrival++
		res.SetArrival(arrival)
		p := patients[res.Patient]
		if p == nil {
			p = facts.NewPatient(res.Patient)
			patients[res.Patient] = p
		}
		p.Apply(res)
		applied = append(applied, res)
		if r.IntN(6) == 0 {
			p.PruneObservations(asOf.AddDate(0, 0, -r.IntN(400)))
		}
		at := asOf.Add(time.Duration(r.IntN(72)-24) * time.Hour)
		kept := e.Evaluate(p, at)
		fresh := e.Evaluate(p.Part(p.Refs()), at)
		if d := cmp.Diff(fresh, kept); d != "" {
			t.Fatalf("after %s (%s), the kept patient's evaluation differs from a fresh copy's (-fresh +kept):\n%s", what, res.Meta().Ref, d)
		}
	}
	for _, res := range resources {
		step(res, "a new resource")
		for range r.IntN(3) {
			prev := applied[r.IntN(len(applied))]
			if c, ok := corrected(r, prev); ok {
				step(c, "a correction")
			}
		}
	}
}

// corrected is a newer version of res with its content changed, when it is
// of a kind corrections are made here for.
func corrected(r *rand.Rand, res facts.Resource) (facts.Resource, bool) {
	days := func() time.Duration { return time.Duration(r.IntN(120)-90) * 24 * time.Hour }
	out := facts.Resource{Patient: res.Patient, Relevant: res.Relevant}
	switch {
	case res.Observation != nil:
		o := *res.Observation
		o.Effective = o.Effective.Add(days())
		o.Status = []string{"final", "amended", "preliminary", "entered-in-error"}[r.IntN(4)]
		o.Retracted = o.Status == "entered-in-error"
		out.Observation = &o
	case res.Condition != nil:
		c := *res.Condition
		c.Verification = []string{"confirmed", "refuted", "provisional"}[r.IntN(3)]
		c.Onset = c.Onset.Add(days())
		out.Condition = &c
	case res.Medication != nil:
		m := *res.Medication
		m.Status = []string{"active", "completed", "stopped", "not-taken"}[r.IntN(4)]
		m.Start = m.Start.Add(days())
		out.Medication = &m
	default:
		return res, false
	}
	return out, true
}

// mappedResources reads a sample patient's file (a Bundle, or NDJSON) into
// facts.
func mappedResources(t *testing.T, e *engine.Evaluator, file string) []facts.Resource {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	docs := [][]byte{data}
	if strings.HasSuffix(file, ".ndjson") {
		docs = bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	}
	var out []facts.Resource
	for i, doc := range docs {
		for _, res := range e.Map(doc, fhirmap.Position{File: file, Line: i + 1}) {
			if res.Err != nil {
				t.Fatalf("%s: %v", file, res.Err)
			}
			if res.Fact != nil { // else a type the trials do not read
				out = append(out, *res.Fact)
			}
		}
	}
	return out
}
