package bench

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"slices"
	"time"

	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/workload"
)

// WorkerCommand returns the command that runs the worker against the NATS
// server at natsURL with its clock fixed at asOf (`trialscout run --nats-url
// URL --http off --as-of DATE`). Run starts it, reads its peak memory and
// stops it with SIGTERM.
type WorkerCommand func(ctx context.Context, natsURL string, asOf time.Time) *exec.Cmd

// Config says what to measure. Zero fields take the defaults noted.
type Config struct {
	// Workload is the generated part of the workload; Patients 0 means
	// 1,000. Its AsOf is the worker's clock too.
	Workload workload.Config
	// SamplesDir, when set, adds every resource of the FHIR files under it
	// (resources, Bundles, NDJSON), split as `trialscout publish` splits
	// them.
	SamplesDir string
	// Latency is how long the paced input of the latency measurement lasts:
	// 15s.
	Latency time.Duration
	// LatencyRate is the pace of that input, resources/s: 0 means half of
	// E, the end-to-end drain rate just measured.
	LatencyRate float64
	// HistorySizes are the numbers of prior resources of one patient at
	// which the cost of one event is measured: 10, 1,000 and 10,000.
	HistorySizes []int
	// Probes is how many further relevant resources are timed at each
	// history size: 30.
	Probes int
	// Engine maps and evaluates: the Map pass and the in-process worker of
	// the history measurement use it. Required.
	Engine *engine.Evaluator
	// Worker starts the worker as a child process. Required.
	Worker WorkerCommand
	// Eval runs `trialscout eval` as a child process. Required.
	Eval EvalCommand
	// BundlesDir holds the FHIR Bundles (.json; *.expected.json left out)
	// that eval is timed over, against parsing their resources: the
	// Synthea sample patients. Required.
	BundlesDir string
	// EvalRuns is how many times eval is run over the Bundles, and over
	// them as NDJSON (the median counts): 3.
	EvalRuns int
	// ExportBytes and ExportPatients size the generated NDJSON export that
	// eval's peak memory is measured over: 350 MB of 1,500 patients.
	ExportBytes    int64
	ExportPatients int
	// FixedLatencyRate is the pace of a second latency measurement,
	// resources/s: 400.
	FixedLatencyRate float64
	// SyncInterval is how often the server of the second E syncs to disk
	// (the first syncs every write): 2 minutes, the NATS server's default.
	SyncInterval time.Duration
	// Baseline, when set, is an earlier report (of the previous main, say)
	// that E is compared with.
	Baseline *Baseline
	// TempDir holds the embedded servers' stores; "" means the system's.
	TempDir string
	// Progress receives a line as each step starts; nil discards them.
	Progress io.Writer
}

// Defaults.
const (
	defaultPatients       = 1000
	defaultLatency        = 15 * time.Second
	defaultProbes         = 30
	defaultEvalRuns       = 3
	defaultExportBytes    = 350e6
	defaultExportPatients = 1500
	defaultFixedRate      = 400
	defaultSyncInterval   = 2 * time.Minute
)

var (
	defaultAsOf         = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	defaultHistorySizes = []int{10, 1000, 10000}
)

func (c Config) withDefaults() (Config, error) {
	if c.Engine == nil {
		return c, errors.New("bench: no engine")
	}
	if c.Worker == nil {
		return c, errors.New("bench: no worker command")
	}
	if c.Eval == nil {
		return c, errors.New("bench: no eval command")
	}
	if c.BundlesDir == "" {
		return c, errors.New("bench: no Bundles to time eval over")
	}
	if c.EvalRuns <= 0 {
		c.EvalRuns = defaultEvalRuns
	}
	if c.ExportBytes <= 0 {
		c.ExportBytes = defaultExportBytes
	}
	if c.ExportPatients <= 0 {
		c.ExportPatients = defaultExportPatients
	}
	if c.Workload.Patients == 0 {
		c.Workload.Patients = defaultPatients
	}
	if c.Workload.AsOf.IsZero() {
		c.Workload.AsOf = defaultAsOf
	}
	if c.LatencyRate < 0 {
		return c, errors.New("bench: negative latency rate")
	}
	if c.Latency <= 0 {
		c.Latency = defaultLatency
	}
	if c.FixedLatencyRate <= 0 {
		c.FixedLatencyRate = defaultFixedRate
	}
	if c.SyncInterval <= 0 {
		c.SyncInterval = defaultSyncInterval
	}
	if len(c.HistorySizes) == 0 {
		c.HistorySizes = defaultHistorySizes
	}
	c.HistorySizes = slices.Sorted(slices.Values(c.HistorySizes))
	for _, h := range c.HistorySizes {
		if h < 1 {
			return c, errors.New("bench: a history size must be at least 1 (the Patient)")
		}
	}
	if c.Probes <= 0 {
		c.Probes = defaultProbes
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c, nil
}
