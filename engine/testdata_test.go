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

// minSamplePatients is how many worked patients each shipped trial has at
// least: it guards against the directory being emptied or moved, and a
// trial shipped without patients, which would otherwise pass unchecked.
const minSamplePatients = 8

// TestSamplePatients evaluates every testdata/patients/NAME.expected.json
// against its input, NAME.json (a Bundle) or NAME.ndjson, with every
// shipped trial, and checks the status and results of every trial the file
// names: its own trial's every criterion, and what it says of others
// (also).
func TestSamplePatients(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplePatientsDir, "*.expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	criteria := trialCriteria(t)
	e := newEvaluator(t)
	named := map[string]int{}
	for _, expFile := range files {
		name := strings.TrimSuffix(filepath.Base(expFile), ".expected.json")
		named[readExpectation(t, expFile).Trial]++
		t.Run(name, func(t *testing.T) {
			checkCoversEveryCriterion(t, expFile, criteria)
			checkScenario(t, e, expFile, sampleInput(t, strings.TrimSuffix(expFile, ".expected.json")))
		})
	}
	for trial := range criteria {
		if named[trial] < minSamplePatients {
			t.Errorf("%d sample patients of %s in %s, want at least %d", named[trial], trial, samplePatientsDir, minSamplePatients)
		}
	}
}

func readExpectation(t *testing.T, file string) expectation {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var x expectation
	if err := json.Unmarshal(data, &x); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return x
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
	want := readExpectation(t, expFile)
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
	for _, other := range want.Also {
		ids, ok := criteria[other.Trial]
		if !ok || other.Trial == want.Trial {
			t.Errorf("%s: also names %q, which is not another shipped trial", expFile, other.Trial)
		}
		for id := range other.Criteria {
			if !slices.Contains(ids, id) {
				t.Errorf("%s: also names %s %s, which the trial does not have", expFile, other.Trial, id)
			}
		}
	}
}
