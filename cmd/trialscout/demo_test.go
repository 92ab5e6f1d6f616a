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
	for _, want := range []string{"Patient/pt-52004 sle-refractory", "eligible", "candidate", "ineligible", "incomplete"} {
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
	if n := strings.Count(summary, "Patient/"); n != len(want) {
		t.Errorf("summary lists %d patient-trial pairs, want the %d samples:\n%s", n, len(want), summary)
	}
}

// samplePairs reads "patient trial" → status from every expected file.
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
		var exp struct{ Patient, Trial, Status string }
		if err := json.Unmarshal(data, &exp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[exp.Patient+" "+exp.Trial] = exp.Status
	}
	return out
}

func TestDemoWithoutSamples(t *testing.T) {
	code, _, errOut := runCLI(t, "", "demo", "--samples", t.TempDir())
	if code != 2 || !strings.Contains(errOut, "no sample patients") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
