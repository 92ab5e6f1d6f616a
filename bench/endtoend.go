package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/streams"
)

// stateBucket is the worker's KV bucket (streams.Config's default).
const stateBucket = "trialscout-state"

// workerPass is what the worker, run as a child process on a server holding
// the backlog, is measured doing: E, then the latency at half of E.
type workerPass struct {
	messages   int
	drain      time.Duration
	stateBytes int64
	stateKeys  int
	latency    []latencyPass // one per latencyRun, in order
	peakRSS    int64         // bytes; 0 when /proc cannot tell
	rssErr     error
}

// latencyPlan makes the paced inputs once E is known.
type latencyPlan func(ePerSecond float64) ([]latencyRun, error)

// latencyRun is one paced input: items published at rate.
type latencyRun struct {
	items []item
	rate  float64
}

// measureWorker starts a server on dir (which holds the backlog of messages
// already), starts the worker, and times its drain from the moment its
// consumer exists to the moment nothing is pending or unacked. Then it
// reads the stored state and measures latency against the same worker.
func measureWorker(ctx context.Context, cfg Config, dir string, messages int, plan latencyPlan, lat time.Duration,
	opts ...streams.EmbeddedOption) (workerPass, error) {
	var wp workerPass
	srv, err := startServer(ctx, dir, opts...)
	if err != nil {
		return wp, fmt.Errorf("end to end: %w", err)
	}
	defer srv.stop()
	worker, err := startChild(ctx, cfg.Worker, srv.ClientURL(), cfg.Workload.AsOf, cfg.Progress)
	if err != nil {
		return wp, fmt.Errorf("end to end: %w", err)
	}
	defer worker.abandon()
	cons, start, err := waitConsumer(ctx, srv.js, workerConsumer, worker.exited)
	if err != nil {
		return wp, fmt.Errorf("end to end: %w", worker.explain(err))
	}
	end, err := waitSettled(ctx, cons, worker.exited)
	if err != nil {
		return wp, fmt.Errorf("end to end: %w", worker.explain(err))
	}
	wp.messages, wp.drain = messages, end.Sub(start)
	if wp.stateBytes, wp.stateKeys, err = stateSize(ctx, srv.js); err != nil {
		return wp, fmt.Errorf("end to end: %w", err)
	}

	runs, err := plan(perSecond(messages, wp.drain))
	if err != nil {
		return wp, err
	}
	for _, run := range runs {
		progress(cfg, "latency: %d fresh resources at %.0f/s for %s", len(run.items), run.rate, lat)
		lp, err := measureLatency(ctx, srv, cons, run.items, run.rate, lat, worker.exited)
		if err != nil {
			return wp, fmt.Errorf("latency: %w", worker.explain(err))
		}
		wp.latency = append(wp.latency, lp)
	}

	wp.peakRSS, wp.rssErr = worker.peakRSS()
	if err := worker.stopWithin(ctx, 15*time.Second); err != nil {
		return wp, err
	}
	return wp, nil
}

// stateSize sums the stored records of the state bucket, and counts the
// records (their heads: "p.<patient>" or "ph.<hash>"; the fact buckets and
// the resource index have more tokens or another prefix).
func stateSize(ctx context.Context, js jetstream.JetStream) (bytes int64, records int, err error) {
	kv, err := js.KeyValue(ctx, stateBucket)
	if err != nil {
		return 0, 0, fmt.Errorf("state bucket: %w", err)
	}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return 0, 0, fmt.Errorf("state bucket: %w", err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("state bucket: %w", ctx.Err())
		case e := <-w.Updates():
			if e == nil { // every current value has been delivered
				return bytes, records, nil
			}
			bytes += int64(len(e.Value()))
			if k := e.Key(); strings.Count(k, ".") == 1 && (strings.HasPrefix(k, "p.") || strings.HasPrefix(k, "ph.")) {
				records++
			}
		}
	}
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
