package streams

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/workload"
)

// TestRecordGrows: a patient with a long history is spread over more fact
// buckets as it grows, while two workers write it at once; nothing is lost
// (the stored facts are eval's) and the decisions are eval's.
func TestRecordGrows(t *testing.T) {
	e := startNATS(t)
	rs, err := workload.Generate(workload.Config{Patients: 3, Seed: 5, LongHistory: 2, LongHistoryLen: 700, Messy: true})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "history.ndjson")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := workload.WriteNDJSON(f, rs); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg := Config{FetchBatch: 4}
	clk := &clock{t: scenarioAsOf}
	e.startWorker(t, cfg, WithClock(clk.Now))
	e.startWorker(t, cfg, WithClock(clk.Now))
	e.publishFiles(t, file)
	e.drain(t, cfg)
	checkTransitions(t, e.events(t))
	if diff := cmp.Diff(offline(t, e.eng, scenarioAsOf, file), finalStatuses(e.events(t))); diff != "" {
		t.Errorf("final statuses (-eval +workers):\n%s", diff)
	}
	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out engine.Outcome
	want := e.eng.Patients([]engine.Input{{Name: file, R: in}}, &out)
	grew := 0
	err = ReadStates(context.Background(), e.js, cfg, func(st *State) error {
		p := want[st.Patient]
		if p == nil {
			t.Errorf("%s stored, unknown to eval", st.Patient)
			return nil
		}
		_ = p.PruneObservations(e.eng.Horizon(scenarioAsOf))
		if got, w := len(st.Facts.Entries), len(p.Entries); got != w {
			t.Errorf("%s: %d entries stored, eval has %d", st.Patient, got, w)
		}
		if got, w := st.Facts.Size(), p.Size(); got != w {
			t.Errorf("%s: %d facts stored, eval has %d", st.Patient, got, w)
		}
		if len(st.Facts.Entries) > bucketTarget {
			grew++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if grew == 0 {
		t.Fatal("no record grew past one bucket: the test tests nothing")
	}
}
