package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// samplePatientsDir holds the project's own worked patients: unlike
// ../shared/scenarios they ship with the repository, so they drive
// `trialscout demo` and keep this test meaningful in a user's clone.
const samplePatientsDir = "../testdata/patients"

// minSamplePatients guards against the directory being emptied or moved:
// a glob that matches nothing would otherwise pass silently.
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
	e := newEvaluator(t)
	for _, expFile := range files {
		name := strings.TrimSuffix(filepath.Base(expFile), ".expected.json")
		t.Run(name, func(t *testing.T) {
			checkScenario(t, e, expFile, sampleInput(t, strings.TrimSuffix(expFile, ".expected.json")))
		})
	}
}

// sampleInput returns the one input file beside an expected file: base.json
// or base.ndjson.
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
