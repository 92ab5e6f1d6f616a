package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/trialscout/trialscout/config"
)

// samplePatientsDir holds the project's own worked patients. Unlike
// ../shared/scenarios they ship with the repository, so they drive
// `trialscout demo` and keep the engine tested in a user's clone.
const samplePatientsDir = "../testdata/patients"

// minSamplePatients guards against the directory being emptied or moved,
// which would otherwise make the test pass without checking anything.
const minSamplePatients = 8

// TestSamplePatients evaluates every testdata/patients/NAME.expected.json
// against its input, NAME.json (a Bundle) or NAME.ndjson, and checks the
// status and every criterion's result.
func TestSamplePatients(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplePatientsDir, "*.expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < minSamplePatients {
		t.Fatalf("%d sample patients in %s, want at least %d", len(files), samplePatientsDir, minSamplePatients)
	}
	criteria := trialCriteria(t)
	e := newEvaluator(t)
	for _, expFile := range files {
		name := strings.TrimSuffix(filepath.Base(expFile), ".expected.json")
		t.Run(name, func(t *testing.T) {
			checkCoversEveryCriterion(t, expFile, criteria)
			checkScenario(t, e, expFile, sampleInput(t, strings.TrimSuffix(expFile, ".expected.json")))
		})
	}
}

// sampleInput returns the one input beside an expected file: base.json or
// base.ndjson.
func sampleInput(t *testing.T, base string) string {
	t.Helper()
	var found []string
	for _, ext := range []string{".json", ".ndjson"} {
		if _, err := os.Stat(base + ext); err == nil {
			found = append(found, base+ext)
		}
	}
	switch len(found) {
	case 0:
		t.Fatalf("no %s.json or %s.ndjson beside its expected file", base, base)
	case 2:
		t.Fatalf("both %s and %s exist: which one is the patient?", found[0], found[1])
	}
	return found[0]
}

// trialCriteria returns the criterion ids of every shipped trial, by trial id.
func trialCriteria(t *testing.T) map[string][]string {
	t.Helper()
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tr := range trials {
		for _, c := range tr.Criteria {
			out[tr.ID] = append(out[tr.ID], c.ID)
		}
	}
	return out
}

// checkCoversEveryCriterion fails when an expected file leaves out a
// criterion of its trial, or names one the trial does not have: a sample
// patient states the expected result of every criterion.
func checkCoversEveryCriterion(t *testing.T, expFile string, criteria map[string][]string) {
	t.Helper()
	data, err := os.ReadFile(expFile)
	if err != nil {
		t.Fatal(err)
	}
	var want expectation
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", expFile, err)
	}
	ids, ok := criteria[want.Trial]
	if !ok {
		t.Fatalf("%s: no shipped trial %q", expFile, want.Trial)
	}
	var missing, extra []string
	for _, id := range ids {
		if _, ok := want.Criteria[id]; !ok {
			missing = append(missing, id)
		}
	}
	for id := range want.Criteria {
		if !slices.Contains(ids, id) {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: criteria missing %v, not in trial %s %v", expFile, missing, want.Trial, extra)
	}
}
