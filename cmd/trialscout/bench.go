package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/bench"
	"github.com/trialscout/trialscout/workload"
)

// defaultBenchSamples is where the public FHIR samples sit beside the
// project in its workspace; defaultBenchBundles the Synthea patients among
// them, which eval is timed over.
const (
	defaultBenchSamples = "../shared/fhir-samples"
	defaultBenchBundles = defaultBenchSamples + "/synthea-r4-smart-generated-sample-data"
)

func newBenchCommand() *cobra.Command {
	var (
		patients       int
		seed           int64
		samples        string
		latencySeconds int
		latencyRate    float64
		asJSON         bool
		bundles        string
		evalRuns       int
		exportMB       int
		exportPatients int
		fixedRate      float64
		syncInterval   time.Duration
		baseline       string
	)
	if st, err := os.Stat(defaultBenchSamples); err == nil && st.IsDir() {
		samples = defaultBenchSamples
	}
	if st, err := os.Stat(defaultBenchBundles); err == nil && st.IsDir() {
		bundles = defaultBenchBundles
	}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the pipeline against its own ceilings (parse, NATS) on one workload",
		Long: `Generates a workload (plus every resource of --samples) and measures, in one run:
the parse ceiling P (jsonformat alone), the NATS ceiling N (the backlog published to an
embedded server with the worker's settings, then drained with fetch and ack only; the
publish rate is measured on a sample of 5,000), the
end-to-end drain rate E of the worker (run as a child process: trialscout run), E/P and
E/N, E again with the server syncing every --sync-interval instead of every write, E
against --baseline (a report of the previous version, run beside this one), the latency
from publish to status event at half of E and at --fixed-rate, the cost of one event after
10, 1,000 and 10,000 prior resources of a patient (the sizes probed in turn, so that a
busy spell of the machine slows all alike), the worker's peak RSS and the stored
state per patient; and eval (run as a child process: trialscout eval) over the --bundles
Bundles and over the same resources as NDJSON, in CPU time against jsonformat parsing
them, and its peak RSS over a generated NDJSON export of --export-mb MB. Prints one
table, with every target beside its figure, met or MISSED; takes a few minutes. With
--json the table goes to standard error and JSON to standard output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			if patients < 1 || latencySeconds < 1 || latencyRate < 0 || evalRuns < 1 || exportMB < 1 || exportPatients < 1 || fixedRate <= 0 || syncInterval <= 0 {
				return usageError("--patients, --latency-seconds, --eval-runs, --export-mb and --export-patients must be at least 1, --latency-rate at least 0, --fixed-rate and --sync-interval above 0")
			}
			if bundles == "" {
				return usageError("--bundles: no Bundles to time eval over (%s is absent)", defaultBenchBundles)
			}
			eng, err := loadEngine(s, nil)
			if err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find this program to run the worker: %w", err)
			}
			worker := func(ctx context.Context, url string, asOf time.Time) *exec.Cmd {
				args := []string{"run", "--nats-url", url, "--http", "off", "--ui", "off", "--as-of", asOf.Format(time.RFC3339), "--log-level", "warn"}
				if s.TrialsDir != "" {
					args = append(args, "--trials", s.TrialsDir)
				}
				return exec.CommandContext(ctx, exe, args...)
			}
			eval := func(ctx context.Context, asOf time.Time, files []string) *exec.Cmd {
				args := []string{"eval", "--as-of", asOf.Format(time.RFC3339)}
				if s.TrialsDir != "" {
					args = append(args, "--trials", s.TrialsDir)
				}
				return exec.CommandContext(ctx, exe, append(args, files...)...)
			}
			var base *bench.Baseline
			if baseline != "" {
				if base, err = bench.ReadBaseline(baseline); err != nil {
					return usageError("--baseline: %v", err)
				}
			}
			rep, err := bench.Run(cmd.Context(), bench.Config{
				FixedLatencyRate: fixedRate,
				SyncInterval:     syncInterval,
				Baseline:         base,
				Workload:         workload.Config{Patients: patients, Seed: seed},
				SamplesDir:       samples,
				Latency:          time.Duration(latencySeconds) * time.Second,
				LatencyRate:      latencyRate,
				Engine:           eng,
				Worker:           worker,
				Eval:             eval,
				BundlesDir:       bundles,
				EvalRuns:         evalRuns,
				ExportBytes:      int64(exportMB) * 1e6,
				ExportPatients:   exportPatients,
				Progress:         cmd.ErrOrStderr(),
			})
			if err != nil {
				return err
			}
			if asJSON {
				if err := rep.WriteTable(cmd.ErrOrStderr()); err != nil {
					return err
				}
				return rep.WriteJSON(cmd.OutOrStdout())
			}
			return rep.WriteTable(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&patients, "patients", 1000, "generated patients (plus one in a hundred with a long history)")
	f.Int64Var(&seed, "seed", 0, "workload seed")
	f.StringVar(&samples, "samples", samples, "directory of FHIR files added to the workload (\"\" for none)")
	f.IntVar(&latencySeconds, "latency-seconds", 15, "how long the paced input of the latency measurement lasts")
	f.Float64Var(&latencyRate, "latency-rate", 0, "pace of the latency measurement in resources/s (0: half of E)")
	f.BoolVar(&asJSON, "json", false, "write the report as JSON to standard output (the table to standard error)")
	f.StringVar(&bundles, "bundles", bundles, "directory of FHIR Bundles eval is timed over")
	f.IntVar(&evalRuns, "eval-runs", 3, "runs of eval over the Bundles and over them as NDJSON (the median counts)")
	f.IntVar(&exportMB, "export-mb", 350, "size in MB of the generated NDJSON export eval's peak memory is measured over")
	f.IntVar(&exportPatients, "export-patients", 1500, "patients in that export")
	f.Float64Var(&fixedRate, "fixed-rate", 400, "pace in resources/s of the second latency measurement")
	f.DurationVar(&syncInterval, "sync-interval", 2*time.Minute, "how often the server of the second drain syncs to disk")
	f.StringVar(&baseline, "baseline", "", "a report of an earlier run (bench --json) to compare E with")
	return cmd
}
