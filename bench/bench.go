package bench

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/trialscout/trialscout/streams"
)

// Run measures everything on one workload and returns the report. It takes
// a few minutes with the defaults; progress goes to cfg.Progress.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	began := time.Now()
	tmp, err := os.MkdirTemp(cfg.TempDir, "trialscout-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(tmp)

	r := &run{cfg: cfg, tmp: tmp, rep: &Report{Date: began.UTC(), Machine: thisMachine()}}
	// eval first, while this process holds little: the parse it is set
	// against collects this process's garbage.
	if err := r.eval(ctx); err != nil {
		return nil, err
	}
	progress(cfg, "generating %d patients, reading samples %q", cfg.Workload.Patients, cfg.SamplesDir)
	if r.in, err = buildInput(cfg.Workload, cfg.SamplesDir); err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context) error{r.parse, r.nats, r.worker, r.history} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	r.rep.EOverP = ratio(r.rep.EndToEnd.PerSecond, r.rep.Parse.PerSecond)
	r.rep.EOverN = ratio(r.rep.EndToEnd.PerSecond, r.rep.NATS.PerSecond)
	r.rep.Baseline = cfg.Baseline
	r.rep.setTargets()
	r.rep.Seconds = time.Since(began).Seconds()
	return r.rep, nil
}

// run is one Run's state: each step adds its figures to rep.
type run struct {
	cfg Config
	tmp string
	in  *input
	rep *Report
}

// parse measures ceiling P and maps every payload as the worker would,
// which classifies the workload and times the irrelevant resources.
func (r *run) parse(ctx context.Context) error {
	n := len(r.in.items)
	progress(r.cfg, "P: parsing %d payloads with jsonformat", n)
	pp, err := measureParse(ctx, r.in.payloads())
	if err != nil {
		return err
	}
	r.rep.Parse, r.rep.ParseErrors = throughput(n, pp.total), pp.errors
	progress(r.cfg, "mapping %d payloads with the worker's mapper", n)
	mp, err := measureMap(ctx, r.cfg.Engine, r.in)
	if err != nil {
		return err
	}
	r.rep.Workload = describe(r.in, mp, r.cfg.SamplesDir)
	skip := measureSkip(mp, pp)
	r.rep.Irrelevant = Skip{Resources: skip.count, MapSeconds: skip.mapTotal.Seconds(), ParseSeconds: skip.parseTotal.Seconds(), Ratio: skip.ratio()}
	return nil
}

// eval measures eval against parsing, and its peak memory.
func (r *run) eval(ctx context.Context) error {
	ep, err := measureEval(ctx, r.cfg, r.tmp)
	if err != nil {
		return err
	}
	set := func(s evalSet, dir string) EvalSet {
		out := EvalSet{Dir: dir, Files: s.files, Resources: s.resources, Bytes: s.bytes, ParseCPUSeconds: s.parseCPU.Seconds(),
			MedianEvalCPUSeconds: s.medianEvalCPU().Seconds(), PeakRSS: s.peakRSS}
		for _, c := range s.evalCPU {
			out.EvalCPUSeconds = append(out.EvalCPUSeconds, c.Seconds())
		}
		out.Ratio = ratio(out.MedianEvalCPUSeconds, out.ParseCPUSeconds)
		return out
	}
	x := ep.export
	r.rep.Eval = Eval{Bundles: set(ep.bundles, r.cfg.BundlesDir), NDJSON: set(ep.ndjson, ""), SameOutput: ep.sameOutput,
		Export: Export{Patients: x.patients, Resources: x.resources, Bytes: x.bytes, CPUSeconds: x.cpu.Seconds(),
			Seconds: x.wall.Seconds(), PeakRSS: x.peakRSS}}
	return nil
}

// Where the backlog's stores live: N drains one, E the other.
func (r *run) natsDir() string   { return filepath.Join(r.tmp, "nats") }
func (r *run) workerDir() string { return filepath.Join(r.tmp, "worker") }

// intervalDir holds the backlog for E with a server that syncs at an
// interval.
func (r *run) intervalDir() string { return filepath.Join(r.tmp, "worker-interval") }

// nats stores the backlog once, copies it for E, measures the publish rate
// on a sample and ceiling N on the whole backlog.
func (r *run) nats(ctx context.Context) error {
	items := r.in.items
	progress(r.cfg, "storing the backlog of %d resources", len(items))
	if err := seedStore(ctx, r.natsDir(), items); err != nil {
		return err
	}
	for _, dir := range []string{r.workerDir(), r.intervalDir()} {
		if err := copyDir(r.natsDir(), dir); err != nil {
			return fmt.Errorf("copy the backlog's store: %w", err)
		}
	}
	sample := strided(items, publishSampleSize)
	progress(r.cfg, "N: publishing %d of the resources", len(sample))
	published, err := publishSample(ctx, filepath.Join(r.tmp, "publish"), sample)
	if err != nil {
		return err
	}
	r.rep.Publish = throughput(len(sample), published)
	progress(r.cfg, "N: draining with fetch and ack only")
	np, err := drainBare(ctx, r.natsDir(), len(items))
	if err != nil {
		return err
	}
	r.rep.NATS = throughput(np.messages, np.drain)
	if err := os.RemoveAll(r.natsDir()); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// worker measures E, the stored state and the latency with the worker
// process, and reads its peak memory; then E again on a server that syncs
// at an interval.
func (r *run) worker(ctx context.Context) error {
	progress(r.cfg, "E: draining with the worker, the server syncing every write")
	used := maps.Clone(r.in.genPatients)
	plan := func(e float64) ([]latencyRun, error) {
		half := r.cfg.LatencyRate
		if half == 0 {
			half = max(e/2, 1)
		}
		var runs []latencyRun
		for _, rate := range []float64{half, r.cfg.FixedLatencyRate} {
			items, err := latencyItems(r.cfg.Workload, used, int(math.Ceil(rate*r.cfg.Latency.Seconds()))+1)
			if err != nil {
				return nil, err
			}
			runs = append(runs, latencyRun{items: items, rate: rate})
		}
		return runs, nil
	}
	wp, err := measureWorker(ctx, r.cfg, r.workerDir(), len(r.in.items), plan, r.cfg.Latency)
	if err != nil {
		return err
	}
	r.rep.EndToEnd = throughput(wp.messages, wp.drain)
	r.rep.State = State{Patients: wp.stateKeys, Bytes: wp.stateBytes, BytesPerPatient: ratio(float64(wp.stateBytes), float64(wp.stateKeys))}
	if wp.rssErr != nil {
		progress(r.cfg, "worker peak RSS unknown: %v", wp.rssErr)
	}
	r.rep.WorkerPeakRSS = wp.peakRSS
	latency := func(l latencyPass, halfOfE bool) Latency {
		return Latency{OfferedPerSecond: l.rate, HalfOfE: halfOfE, Seconds: l.duration.Seconds(),
			Published: l.published, SettledSeconds: l.settled.Seconds(), Events: l.events, Samples: len(l.samples),
			P50Ms: ms(percentile(l.samples, 50)), P99Ms: ms(percentile(l.samples, 99))}
	}
	r.rep.Latency = latency(wp.latency[0], r.cfg.LatencyRate == 0)
	r.rep.LatencyFixed = latency(wp.latency[1], false)
	if err := os.RemoveAll(r.workerDir()); err != nil {
		return fmt.Errorf("bench: %w", err)
	}

	progress(r.cfg, "E: draining with the worker, the server syncing every %s", r.cfg.SyncInterval)
	none := func(float64) ([]latencyRun, error) { return nil, nil }
	ip, err := measureWorker(ctx, r.cfg, r.intervalDir(), len(r.in.items), none, 0, streams.SyncEvery(r.cfg.SyncInterval))
	if err != nil {
		return fmt.Errorf("sync every %s: %w", r.cfg.SyncInterval, err)
	}
	r.rep.EndToEndInterval = throughput(ip.messages, ip.drain)
	r.rep.SyncIntervalSeconds = r.cfg.SyncInterval.Seconds()
	if err := os.RemoveAll(r.intervalDir()); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// history measures the per-event cost at each history size.
func (r *run) history(ctx context.Context) error {
	dirOf := func(prior int) string { return filepath.Join(r.tmp, "history-"+strconv.Itoa(prior)) }
	hs, err := measureHistories(ctx, r.cfg, dirOf, r.cfg.HistorySizes)
	if err != nil {
		return err
	}
	for _, hp := range hs {
		r.rep.History = append(r.rep.History, History{Prior: hp.prior, Probes: len(hp.probes), MedianMs: ms(hp.median()), StateBytes: hp.stateBytes})
	}
	r.rep.HistoryRatio = historyRatio(hs)
	return nil
}

// publishSampleSize is how many resources the publish rate is measured on:
// with SyncAlways each costs an fsync, and publishing the whole backlog so
// would take minutes.
const publishSampleSize = 5000

// strided takes every k-th item so that about n remain, spread over the
// whole input (generated and sample resources alike).
func strided(items []item, n int) []item {
	k := max(1, len(items)/n)
	out := make([]item, 0, len(items)/k+1)
	for i := 0; i < len(items); i += k {
		out = append(out, items[i])
	}
	return out
}

// publishSample publishes the items to a fresh server with the worker's
// settings and returns how long it took until every one was stored.
func publishSample(ctx context.Context, dir string, items []item) (time.Duration, error) {
	srv, err := startServer(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	defer func() {
		srv.stop()
		os.RemoveAll(dir)
	}()
	if err := streams.EnsureInput(ctx, srv.js, streams.Config{}); err != nil {
		return 0, fmt.Errorf("publish: input stream: %w", err)
	}
	start := time.Now()
	if err := publishAll(ctx, srv.js, items); err != nil {
		return 0, err
	}
	took := time.Since(start)
	stored, err := streamMessages(ctx, srv.js)
	if err != nil {
		return 0, err
	}
	if stored != len(items) {
		return 0, fmt.Errorf("publish: %d resources sent, the stream holds %d", len(items), stored)
	}
	return took, nil
}

// drainBare starts a server on dir, which holds the backlog, and drains it
// with the bare consumer.
func drainBare(ctx context.Context, dir string, messages int) (natsPass, error) {
	srv, err := startServer(ctx, dir)
	if err != nil {
		return natsPass{}, fmt.Errorf("NATS ceiling: %w", err)
	}
	defer srv.stop()
	return measureNATS(ctx, srv, messages)
}

// describe sums up the workload.
func describe(in *input, m mapPass, samplesDir string) Workload {
	var counts [numClasses]int
	for _, c := range m.classes {
		counts[c]++
	}
	w := Workload{Resources: len(in.items), Generated: in.generated, Samples: in.samples, SamplesDir: samplesDir,
		Patients: len(m.patients), Bytes: in.bytes, Relevant: counts[relevant], Irrelevant: counts[irrelevant],
		NotRead: counts[notRead], Rejected: counts[rejected], Unsplit: in.unsplit, Duplicates: in.duplicates, Disagree: m.disagree}
	w.RelevantFraction = ratio(float64(w.Relevant), float64(w.Resources))
	return w
}

func progress(cfg Config, format string, args ...any) {
	fmt.Fprintf(cfg.Progress, "bench: %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
