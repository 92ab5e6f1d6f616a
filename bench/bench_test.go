package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workload"
)

// The test binary doubles as the worker process: run with childURL set, it
// runs a worker against that server until SIGTERM, as `trialscout run` does.
// Run with childEval set, it evaluates the files named after "--" and
// prints the evaluations, as `trialscout eval` does.
const (
	childURL  = "TRIALSCOUT_BENCH_TEST_WORKER_URL"
	childAsOf = "TRIALSCOUT_BENCH_TEST_WORKER_AS_OF"
	childEval = "TRIALSCOUT_BENCH_TEST_EVAL"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childURL); url != "" {
		os.Exit(runTestWorker(url, os.Getenv(childAsOf)))
	}
	if os.Getenv(childEval) != "" {
		os.Exit(runTestEval(os.Getenv(childAsOf), os.Args[slices.Index(os.Args, "--")+1:]))
	}
	os.Exit(m.Run())
}

func runTestEval(asOf string, files []string) int {
	err := func() error {
		at, err := time.Parse(time.RFC3339, asOf)
		if err != nil {
			return fmt.Errorf("as of: %w", err)
		}
		eng, err := testEngine()
		if err != nil {
			return err
		}
		var inputs []engine.Input
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				return err
			}
			defer fh.Close()
			inputs = append(inputs, engine.Input{Name: f, R: fh})
		}
		enc := json.NewEncoder(os.Stdout)
		for _, e := range eng.Run(inputs, at).Evaluations {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test eval:", err)
		return 2
	}
	return 0
}

func testEval(ctx context.Context, asOf time.Time, files []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^$", "--"}, files...)...)
	cmd.Env = append(os.Environ(), childEval+"=1", childAsOf+"="+asOf.Format(time.RFC3339))
	return cmd
}

func runTestWorker(url, asOf string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err := func() error {
		at, err := time.Parse(time.RFC3339, asOf)
		if err != nil {
			return fmt.Errorf("as of: %w", err)
		}
		eng, err := testEngine()
		if err != nil {
			return err
		}
		nc, err := streams.Connect(ctx, streams.ConnConfig{URL: url, Name: "bench-test-worker"})
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return err
		}
		w, err := streams.NewWorker(js, eng, streams.Config{}, streams.WithClock(func() time.Time { return at }))
		if err != nil {
			return err
		}
		return w.Run(ctx)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test worker:", err)
		return 1
	}
	return 0
}

func testEngine() (*engine.Evaluator, error) {
	loaded, err := config.LoadTrials("")
	if err != nil {
		return nil, err
	}
	trials, err := config.SelectTrials(loaded, nil)
	if err != nil {
		return nil, err
	}
	return engine.New(trials)
}

func testWorker(ctx context.Context, url string, asOf time.Time) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childURL+"="+url, childAsOf+"="+asOf.Format(time.RFC3339))
	return cmd
}

// TestRunTiny runs every measurement on a tiny workload against real
// embedded servers and a worker process, and checks that the report is
// whole and coherent. Timings are not judged: the machine may be busy.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("starts NATS servers and a worker process")
	}
	eng, err := testEngine()
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "before.json")
	if err := os.WriteFile(base, []byte(`{"date":"2026-12-01T10:00:00Z","end_to_end":{"per_second":10}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	baseline, err := ReadBaseline(base)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{
		Workload:         workload.Config{Patients: 20, Seed: 7, LongHistoryLen: 100},
		SamplesDir:       "../testdata/patients",
		Latency:          2 * time.Second,
		FixedLatencyRate: 15,
		SyncInterval:     time.Second,
		Baseline:         baseline,
		HistorySizes:     []int{200, 10},
		Probes:           5,
		Engine:           eng,
		Worker:           testWorker,
		Eval:             testEval,
		BundlesDir:       "../testdata/patients",
		EvalRuns:         2,
		ExportBytes:      1e6,
		ExportPatients:   10,
		TempDir:          t.TempDir(),
		Progress:         &progress,
	})
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}

	wl := rep.Workload
	if wl.Generated == 0 || wl.Samples == 0 || wl.Resources != wl.Generated+wl.Samples || wl.Bytes <= 0 || wl.Patients < 20 {
		t.Errorf("workload %+v: want generated and sample resources adding up, bytes, at least 20 patients", wl)
	}
	if got := wl.Relevant + wl.Irrelevant + wl.NotRead + wl.Rejected; got != wl.Resources {
		t.Errorf("classes add up to %d, want %d resources", got, wl.Resources)
	}
	if wl.Relevant == 0 || wl.Irrelevant == 0 || wl.RelevantFraction <= 0 || wl.RelevantFraction >= 1 {
		t.Errorf("relevant %d, irrelevant %d, fraction %v: want some of each", wl.Relevant, wl.Irrelevant, wl.RelevantFraction)
	}
	for name, tp := range map[string]Throughput{"P": rep.Parse, "publish": rep.Publish, "N": rep.NATS, "E": rep.EndToEnd,
		"E, sync interval": rep.EndToEndInterval} {
		if tp.Resources <= 0 || tp.Seconds <= 0 || tp.PerSecond <= 0 {
			t.Errorf("%s = %+v: want resources, time and a rate", name, tp)
		}
	}
	if rep.EndToEndInterval.Resources != wl.Resources || rep.SyncIntervalSeconds != 1 {
		t.Errorf("E with a sync interval: %+v every %vs, want the workload's %d resources every 1s",
			rep.EndToEndInterval, rep.SyncIntervalSeconds, wl.Resources)
	}
	if rep.NATS.Resources != wl.Resources || rep.EndToEnd.Resources != wl.Resources || rep.Parse.Resources != wl.Resources {
		t.Errorf("P, N and E handled %d, %d and %d resources, want the workload's %d",
			rep.Parse.Resources, rep.NATS.Resources, rep.EndToEnd.Resources, wl.Resources)
	}
	if rep.EOverP <= 0 || rep.EOverN <= 0 || rep.EOverN > 2 {
		// The worker also fetches and acks every message: it cannot drain
		// much faster than the bare consumer.
		t.Errorf("E/P %v, E/N %v: want positive, E/N not far above 1", rep.EOverP, rep.EOverN)
	}
	if s := rep.Irrelevant; s.Resources != wl.Irrelevant || s.MapSeconds <= 0 || s.ParseSeconds <= 0 || s.Ratio <= 0 {
		t.Errorf("irrelevant %+v: want the %d irrelevant resources timed both ways", s, wl.Irrelevant)
	}
	for _, l := range []Latency{rep.Latency, rep.LatencyFixed} {
		if l.OfferedPerSecond <= 0 || l.Published <= 0 || l.Samples <= 0 || l.Events < l.Samples || l.P50Ms <= 0 || l.P99Ms < l.P50Ms {
			t.Errorf("latency %+v: want events matched to publishes, 0 < p50 <= p99", l)
		}
	}
	if !rep.Latency.HalfOfE || rep.LatencyFixed.OfferedPerSecond != 15 {
		t.Errorf("latency paces %v and %v: want half of E, then 15/s", rep.Latency.OfferedPerSecond, rep.LatencyFixed.OfferedPerSecond)
	}
	if len(rep.History) != 2 || rep.History[0].Prior != 10 || rep.History[1].Prior != 200 {
		t.Fatalf("history %+v: want the sizes 10 and 200, in order", rep.History)
	}
	for _, h := range rep.History {
		if h.Probes != 5 || h.MedianMs <= 0 || h.StateBytes <= 0 {
			t.Errorf("history %+v: want 5 probes, a median and the record's size", h)
		}
	}
	if rep.HistoryRatio <= 0 {
		t.Errorf("history ratio %v", rep.HistoryRatio)
	}
	if _, err := os.Stat("/proc/self/status"); err == nil && rep.WorkerPeakRSS < 1<<20 {
		t.Errorf("worker peak RSS %d bytes: want at least 1 MiB", rep.WorkerPeakRSS)
	}
	if rep.State.Patients < 20 || rep.State.BytesPerPatient <= 0 {
		t.Errorf("state %+v: want a record for every patient", rep.State)
	}
	if len(rep.Targets) != 9 {
		t.Errorf("targets %+v: want 9", rep.Targets)
	}
	if tg, ok := rep.target("E / baseline E"); !ok || tg.Value != rep.EndToEnd.PerSecond/10 {
		t.Errorf("E against the baseline's 10/s: %+v", tg)
	}
	ev := rep.Eval
	for name, s := range map[string]EvalSet{"Bundles": ev.Bundles, "NDJSON": ev.NDJSON} {
		if s.Files == 0 || s.Resources == 0 || s.Bytes == 0 || s.ParseCPUSeconds <= 0 || len(s.EvalCPUSeconds) != 2 ||
			s.MedianEvalCPUSeconds <= 0 || s.Ratio <= 0 || s.PeakRSS < 1<<20 {
			t.Errorf("eval over %s: %+v: want files, resources, two runs timed against the parse, a peak RSS", name, s)
		}
	}
	if ev.NDJSON.Files != 1 || ev.NDJSON.Resources != ev.Bundles.Resources {
		t.Errorf("NDJSON %d files, %d resources; want one file of the Bundles' %d", ev.NDJSON.Files, ev.NDJSON.Resources, ev.Bundles.Resources)
	}
	if !ev.SameOutput {
		t.Error("eval's output over the Bundles and over them as NDJSON differ")
	}
	if x := ev.Export; x.Patients != 10 || x.Resources < 20 || x.Bytes < 0.5e6 || x.Bytes > 2e6 || x.CPUSeconds <= 0 || x.PeakRSS < 1<<20 {
		t.Errorf("export %+v: want about 1 MB of 10 patients, eval's CPU and peak RSS", x)
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"machine:", "workload:", "parse ceiling", "NATS publish", "NATS drain", "worker drain",
		"E/P", "E/N", "map / parse", "p50", "p99", "per event after 10 prior", "per event after 200 prior", "200 / 10",
		"peak RSS", "state per patient", "target >= 0.8", "target < 0.25", "target <= 20 ms", "target <= 100 ms", "target <= 1.2x",
		"baseline E (", "target >= 2.0x", "server syncs every 1s", "interval / every write",
		fmt.Sprintf("eval over %d Bundles", ev.Bundles.Files), "the same as one NDJSON file", "eval / parse", "target <= 0.25x", "same output over both",
		"generated export (10 patients", "target <= 150 MB"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.EndToEnd != rep.EndToEnd {
		t.Errorf("JSON does not read back: %v", err)
	}
	t.Logf("\n%s", table.String())
}

func TestVmHWM(t *testing.T) {
	got, err := vmHWM(strings.NewReader("Name:\tx\nVmPeak:\t  2000 kB\nVmHWM:\t    1536 kB\nVmRSS:\t 1000 kB\n"))
	if err != nil || got != 1536<<10 {
		t.Errorf("vmHWM = %d, %v; want %d", got, err, 1536<<10)
	}
	if _, err := vmHWM(strings.NewReader("Name:\tx\n")); err == nil {
		t.Error("vmHWM without the line: want an error")
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Millisecond)
	}
	if p := percentile(ds, 50); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(ds, 99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(ds[:1], 99); p != 100*time.Millisecond {
		t.Errorf("p99 of one = %v", p)
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 65718: "65,718", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestReadBaseline: a report of an earlier version is read for its E; a
// file that is not a report says why.
func TestReadBaseline(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body, wantErr string
		want                float64
	}{
		{"older report", `{"date":"2026-12-01T10:00:00Z","end_to_end":{"resources":5,"seconds":1,"per_second":1234.5},"other":1}`, "", 1234.5},
		{"not JSON", `E = 5`, "not a bench report", 0},
		{"no E", `{"date":"2026-12-01T10:00:00Z"}`, "no end_to_end.per_second", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			if err := os.WriteFile(file, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			b, err := ReadBaseline(file)
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("err %v, want %q", err, tc.wantErr)
			case tc.wantErr == "" && (err != nil || b.EndToEndPerSecond != tc.want):
				t.Errorf("%+v, %v: want E %v", b, err, tc.want)
			}
		})
	}
	if _, err := ReadBaseline(filepath.Join(dir, "absent.json")); err == nil {
		t.Error("an absent file reads")
	}
}
