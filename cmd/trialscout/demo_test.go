package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the newcomer's first command against the sample patients:
// embedded NATS, the worker and the publisher, all real.
func TestDemo(t *testing.T) {
	code, out, errOut := runCLI(t, "", "demo", "--samples", "../../testdata/patients")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	summary := out[strings.Index(out, "status-change events."):]
	for _, want := range []string{"Patient/pt-52004 sle-refractory", "Patient/hf-base-candidate hf-outpatient", "eligible", "candidate", "ineligible", "incomplete"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	want := samplePairs(t, "../../testdata/patients")
	for pair, status := range want {
		if !regexp.MustCompile(regexp.QuoteMeta(pair) + ` +` + status + `\n`).MatchString(summary) {
			t.Errorf("summary lacks %s %s:\n%s", pair, status, summary)
		}
	}
	// Every sample patient is evaluated for every shipped trial.
	const shippedTrials = 2
	patients := map[string]bool{}
	for pair := range want {
		patient, _, _ := strings.Cut(pair, " ")
		patients[patient] = true
	}
	if n := strings.Count(summary, "Patient/"); n != shippedTrials*len(patients) {
		t.Errorf("summary lists %d patient-trial pairs, want %d samples x %d trials:\n%s", n, len(patients), shippedTrials, summary)
	}
}

// samplePairs reads "patient trial" → status from every expected file, its
// own trial's and the others it names (also).
func samplePairs(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.expected.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no expected files in %s: %v", dir, err)
	}
	out := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var exp struct {
			Patient, Trial, Status string
			Also                   []struct{ Trial, Status string }
		}
		if err := json.Unmarshal(data, &exp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[exp.Patient+" "+exp.Trial] = exp.Status
		for _, a := range exp.Also {
			out[exp.Patient+" "+a.Trial] = a.Status
		}
	}
	return out
}

func TestDemoWithoutSamples(t *testing.T) {
	code, _, errOut := runCLI(t, "", "demo", "--samples", t.TempDir())
	if code != 2 || !strings.Contains(errOut, "no sample patients") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
