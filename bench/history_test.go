package bench

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/trialscout/trialscout/workload"
)

// BenchmarkHistory is the worker's whole per-event cost (map, load, apply,
// evaluate both trials, store, publish, ack) after 10 and after 10,000
// prior resources of one patient, as `trialscout bench` measures it: each
// size on its own embedded server, probed in turn. It reports each median
// and their ratio (target: at most 1.2). One iteration builds both
// histories (about 15 s); run it with -benchtime=1x.
func BenchmarkHistory(b *testing.B) {
	eng, err := testEngine()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := Config{Engine: eng, Worker: testWorker, Eval: testEval, BundlesDir: "-",
		Workload: workload.Config{Patients: defaultPatients}}.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	run := 0
	for b.Loop() {
		run++
		dirOf := func(prior int) string { return filepath.Join(dir, fmt.Sprintf("%d-%d", run, prior)) }
		hs, err := measureHistories(b.Context(), cfg, dirOf, []int{10, 10_000})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(hs[0].median().Microseconds())/1000, "ms/event@10")
		b.ReportMetric(float64(hs[1].median().Microseconds())/1000, "ms/event@10000")
		b.ReportMetric(historyRatio(hs), "ratio")
	}
}
