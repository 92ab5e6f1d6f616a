package bench

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/trialscout/trialscout/workload"
)

func TestProbeHistory(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	eng, err := testEngine()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Config{Workload: workload.Config{Patients: 20, Seed: 0}, Engine: eng, Worker: testWorker, TempDir: t.TempDir(), Probes: 30}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		for _, prior := range []int{10, 10000} {
			hp, err := measureHistory(context.Background(), cfg, t.TempDir(), prior)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("prior %d: median %v p90 %v state %d bytes\n", prior, hp.median().Round(time.Microsecond), percentile(hp.probes, 90).Round(time.Microsecond), hp.stateBytes)
		}
	}
}
