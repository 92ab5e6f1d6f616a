package main

import (
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
	for _, want := range []string{"Patient/pt-52004 sle-refractory", "candidate", "ineligible", "incomplete"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if n := strings.Count(summary, "sle-refractory"); n != 8 {
		t.Errorf("summary lists %d patient-trial pairs, want the 8 samples:\n%s", n, summary)
	}
}

func TestDemoWithoutSamples(t *testing.T) {
	code, _, errOut := runCLI(t, "", "demo", "--samples", t.TempDir())
	if code != 2 || !strings.Contains(errOut, "no sample patients") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
