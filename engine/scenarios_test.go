package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trialscout/trialscout/config"
)

// sharedDir is the shared/ folder that sits beside the project in CI and on
// developers' machines, but not in a user's clone.
const sharedDir = "../../shared"

type expectation struct {
	AsOf     time.Time         `json:"as_of"`
	Trial    string            `json:"trial"`
	Patient  string            `json:"patient"`
	Status   string            `json:"status"`
	Criteria map[string]string `json:"criteria"`
	Note     string            `json:"note"`
	// Also holds what the patient is for other trials: a status, and the
	// results of some criteria (testdata/patients only).
	Also []trialExpectation `json:"also,omitempty"`
}

// trialExpectation is one trial's expected status and results.
type trialExpectation struct {
	Trial    string            `json:"trial"`
	Status   string            `json:"status"`
	Criteria map[string]string `json:"criteria"`
	Note     string            `json:"note"`
}

// trials lists every trial the expected file names, its own first.
func (x expectation) trials() []trialExpectation {
	return append([]trialExpectation{{Trial: x.Trial, Status: x.Status, Criteria: x.Criteria, Note: x.Note}}, x.Also...)
}

func newEvaluator(t testing.TB) *Evaluator {
	t.Helper()
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(trials)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestScenarios runs every worked patient of ../shared/scenarios and checks
// the status and every criterion's result against its expected file.
func TestScenarios(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "scenarios", "*.expected.json"))
	if len(files) == 0 {
		t.Skipf("no scenarios: %s/scenarios is absent (it sits beside the project in CI); testdata/ covers the engine without it", sharedDir)
	}
	e := newEvaluator(t)
	for _, expFile := range files {
		name := strings.TrimSuffix(filepath.Base(expFile), ".expected.json")
		t.Run(name, func(t *testing.T) {
			checkScenario(t, e, expFile, strings.TrimSuffix(expFile, ".expected.json")+".json")
		})
	}
}

func checkScenario(t *testing.T, e *Evaluator, expFile, inFile string) {
	var want expectation
	data, err := os.ReadFile(expFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", expFile, err)
	}
	f, err := os.Open(inFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := e.Run([]Input{{Name: inFile, R: f}}, want.AsOf)
	for _, r := range out.Rejected {
		t.Errorf("rejected: %v", r.Err)
	}
	for _, tw := range want.trials() {
		checkTrial(t, out, want.Patient, tw)
	}
}

// checkTrial compares one trial's evaluation of the patient with what is
// expected of it.
func checkTrial(t *testing.T, out Outcome, patient string, want trialExpectation) {
	t.Helper()
	for _, ev := range out.Evaluations {
		if ev.Trial != want.Trial || ev.Patient != patient {
			continue
		}
		if string(ev.Status) != want.Status {
			t.Errorf("%s: status %s, want %s (%s)", want.Trial, ev.Status, want.Status, want.Note)
		}
		for id, res := range want.Criteria {
			got := ev.Criterion(id)
			if got == nil {
				t.Errorf("%s %s: missing", want.Trial, id)
				continue
			}
			if string(got.Result) != res {
				t.Errorf("%s %s: %s, want %s; reason: %s", want.Trial, id, got.Result, res, got.Reason)
			}
		}
		return
	}
	t.Errorf("no evaluation of %s for %s", want.Trial, patient)
}
