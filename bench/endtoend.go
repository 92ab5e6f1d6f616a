package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
	latency    latencyPass
	peakRSS    int64 // bytes; 0 when /proc cannot tell
	rssErr     error
}

// latencyPlan makes the paced input once E is known.
type latencyPlan func(ePerSecond float64) (items []item, rate float64, err error)

// measureWorker starts a server on dir (which holds the backlog of messages
// already), starts the worker, and times its drain from the moment its
// consumer exists to the moment nothing is pending or unacked. Then it
// reads the stored state and measures latency against the same worker.
func measureWorker(ctx context.Context, cfg Config, dir string, messages int, plan latencyPlan, lat time.Duration) (workerPass, error) {
	var wp workerPass
	srv, err := startServer(ctx, dir)
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

	items, rate, err := plan(perSecond(messages, wp.drain))
	if err != nil {
		return wp, err
	}
	progress(cfg, "latency: %d fresh resources at %.0f/s for %s", len(items), rate, lat)
	if wp.latency, err = measureLatency(ctx, srv, cons, items, rate, lat, worker.exited); err != nil {
		return wp, fmt.Errorf("latency: %w", worker.explain(err))
	}

	wp.peakRSS, wp.rssErr = worker.peakRSS()
	if err := worker.stopWithin(ctx, 15*time.Second); err != nil {
		return wp, err
	}
	return wp, nil
}

// stateSize sums the stored records of the state bucket.
func stateSize(ctx context.Context, js jetstream.JetStream) (bytes int64, keys int, err error) {
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
				return bytes, keys, nil
			}
			bytes += int64(len(e.Value()))
			keys++
		}
	}
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
