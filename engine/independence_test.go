package engine

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
)

// namingTrial is a trial that reuses the shipped SLE trial's concept names
// with other codes (its sle includes drug-induced lupus; its anc and
// creatinine are local codes; its standard treatment is lisinopril).
const namingTrial = "../testdata/trials/same-names-other-codes.yaml"

// TestTrialsAreIndependent: loading another trial changes no decision of
// the SLE trial, on every worked patient at hand and on a patient made to
// tell the two trials' concepts apart; and the other trial reads its own
// concepts, not the SLE trial's.
func TestTrialsAreIndependent(t *testing.T) {
	shipped, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	other, err := config.LoadTrialFile(namingTrial)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := New(shipped)
	if err != nil {
		t.Fatal(err)
	}
	both, err := New(append(shipped, other))
	if err != nil {
		t.Fatal(err)
	}
	inputs := independenceInputs(t)
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	compared := 0
	for _, file := range inputs {
		want := sleEvaluations(t, alone, file, asOf)
		got := sleEvaluations(t, both, file, asOf)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: the SLE trial decides otherwise with %s loaded (-alone +both):\n%s", file, other.ID, diff)
		}
		compared += len(want)
	}
	if compared < 9 {
		t.Fatalf("compared %d SLE evaluations: the test checks too little", compared)
	}

	// The patient made for it: drug-induced lupus only, lisinopril only,
	// ANC and creatinine under local codes only.
	out := both.Run([]Input{openInput(t, "testdata/naming-patient.json")}, asOf)
	results := map[string]evaluator.Result{}
	status := map[string]evaluator.Status{}
	for _, ev := range out.Evaluations {
		status[ev.Trial] = ev.Status
		for _, c := range ev.Criteria {
			results[ev.Trial+" "+c.ID] = c.Result
		}
	}
	for key, want := range map[string]evaluator.Result{
		"sle-refractory I2b":        evaluator.NotMet, // drug-induced lupus is not SLE here
		"sle-refractory I3b":        evaluator.NotMet, // medication data (lisinopril), no standard treatment
		"sle-refractory I8.anc":     evaluator.Unknown,
		"sle-refractory I8.crcl":    evaluator.Unknown,
		"same-names-other-codes L1": evaluator.Met, // ... but lupus of any cause there
		"same-names-other-codes L2": evaluator.NotMet,
		"same-names-other-codes L3": evaluator.Met,
		"same-names-other-codes L4": evaluator.Met,
	} {
		if results[key] != want {
			t.Errorf("%s = %s, want %s", key, results[key], want)
		}
	}
	if status["sle-refractory"] != evaluator.Ineligible {
		t.Errorf("sle-refractory status %s, want ineligible", status["sle-refractory"])
	}
}

// independenceInputs are the worked patients beside the project, and the
// shared scenarios when they are there.
func independenceInputs(t *testing.T) []string {
	var files []string
	for _, pattern := range []string{"../testdata/patients/*.json", "../testdata/patients/*.ndjson", sharedDir + "/scenarios/*.json", "testdata/naming-patient.json"} {
		m, _ := filepath.Glob(pattern)
		for _, f := range m {
			if filepath.Ext(filepath.Base(f[:len(f)-len(filepath.Ext(f))])) != ".expected" {
				files = append(files, f)
			}
		}
	}
	return files
}

func openInput(t *testing.T, file string) Input {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Name: file, R: bytes.NewReader(data)}
}

// sleEvaluations runs eval over one file and keeps the SLE trial's
// evaluations, as JSON.
func sleEvaluations(t *testing.T, e *Evaluator, file string, asOf time.Time) []string {
	t.Helper()
	var out []string
	for _, ev := range e.Run([]Input{openInput(t, file)}, asOf).Evaluations {
		if ev.Trial != "sle-refractory" {
			continue
		}
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(data))
	}
	return out
}
