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
// project in its workspace.
const defaultBenchSamples = "../shared/fhir-samples"

func newBenchCommand() *cobra.Command {
	var (
		patients       int
		seed           int64
		samples        string
		latencySeconds int
		latencyRate    float64
		asJSON         bool
	)
	if st, err := os.Stat(defaultBenchSamples); err == nil && st.IsDir() {
		samples = defaultBenchSamples
	}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the pipeline against its own ceilings (parse, NATS) on one workload",
		Long: `Generates a workload (plus every resource of --samples) and measures, in one run:
the parse ceiling P (jsonformat alone), the NATS ceiling N (the backlog published to an
embedded server with the worker's settings, then drained with fetch and ack only; the
publish rate is measured on a sample of 5,000), the
end-to-end drain rate E of the worker (run as a child process: trialscout run), E/P and
E/N, the latency from publish to status event at half of E, the cost of one event after
10, 1,000 and 10,000 prior resources of a patient, the worker's peak RSS and the stored
state per patient. Prints one table, with the targets beside the figures; takes a few
minutes. With --json the table goes to standard error and JSON to standard output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			if patients < 1 || latencySeconds < 1 || latencyRate < 0 {
				return usageError("--patients and --latency-seconds must be at least 1, --latency-rate at least 0")
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
			rep, err := bench.Run(cmd.Context(), bench.Config{
				Workload:    workload.Config{Patients: patients, Seed: seed},
				SamplesDir:  samples,
				Latency:     time.Duration(latencySeconds) * time.Second,
				LatencyRate: latencyRate,
				Engine:      eng,
				Worker:      worker,
				Progress:    cmd.ErrOrStderr(),
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
	return cmd
}
