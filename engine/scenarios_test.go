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
	for _, ev := range out.Evaluations {
		if ev.Trial != want.Trial || ev.Patient != want.Patient {
			continue
		}
		if string(ev.Status) != want.Status {
			t.Errorf("status %s, want %s (%s)", ev.Status, want.Status, want.Note)
		}
		for id, res := range want.Criteria {
			got := ev.Criterion(id)
			if got == nil {
				t.Errorf("%s: missing", id)
				continue
			}
			if string(got.Result) != res {
				t.Errorf("%s: %s, want %s; reason: %s", id, got.Result, res, got.Reason)
			}
		}
		return
	}
	t.Fatalf("no evaluation of %s for %s", want.Trial, want.Patient)
}
