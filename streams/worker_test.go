package streams

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWorkerMatchesEval: the worker, fed resource by resource, ends with the
// same status per patient and trial as `eval` on the same files.
func TestWorkerMatchesEval(t *testing.T) {
	sources := map[string][]string{"testdata": samplePatients(t)}
	if shared, _ := filepath.Glob("../../shared/scenarios/*.json"); len(shared) > 0 {
		var inputs []string
		for _, f := range shared {
			if !strings.HasSuffix(f, ".expected.json") {
				inputs = append(inputs, f)
			}
		}
		sources["shared scenarios"] = inputs
	} else {
		t.Log("../../shared/scenarios is absent; checking testdata/ only")
	}
	for name, files := range sources {
		t.Run(name, func(t *testing.T) {
			e := startNATS(t)
			clk := &clock{t: scenarioAsOf}
			e.startWorker(t, Config{}, WithClock(clk.Now))
			e.publishFiles(t, files...)
			e.drain(t, Config{})
			evs := e.events(t)
			want := offline(t, e.eng, scenarioAsOf, files...)
			if diff := cmp.Diff(want, finalStatuses(evs)); diff != "" {
				t.Errorf("final statuses (-eval +worker):\n%s", diff)
			}
			checkTransitions(t, evs)
		})
	}
}

// checkTransitions: ids are unique and each patient's events are exactly
// its status transitions, in order.
func checkTransitions(t *testing.T, evs []Event) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]string{}
	for _, e := range evs {
		if seen[e.ID] {
			t.Errorf("event id %s published twice", e.ID)
		}
		seen[e.ID] = true
		k := e.Patient + " " + e.Trial
		if string(e.PreviousStatus) != last[k] || e.Status == e.PreviousStatus {
			t.Errorf("%s: event %s -> %s after %q", k, e.PreviousStatus, e.Status, last[k])
		}
		last[k] = string(e.Status)
		if e.Evaluation.Status != e.Status || e.Cause == "" {
			t.Errorf("%s: event status %s, evaluation %s, cause %q", k, e.Status, e.Evaluation.Status, e.Cause)
		}
	}
}
