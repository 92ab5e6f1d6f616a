package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workload"
)

// historyPoint is the cost of handling one relevant resource of a patient
// who already has prior resources: the worker's whole path for one message
// (map, load the record, apply, evaluate, store, publish events, ack).
type historyPoint struct {
	prior  int
	probes []time.Duration
	// stateBytes is the patient's stored record after the history.
	stateBytes int64
}

func (h historyPoint) median() time.Duration { return percentile(h.probes, 50) }

// historyTail is how many resources are generated after the history, from
// which the probes are drawn: enough for the relevant ones wanted.
const historyTail = 300

// historyItems generates one patient with prior+historyTail resources over
// five years: the history is the first prior of them, the probes the last
// relevant ones of the rest, so that at every size they are the patient's
// most recent data.
func historyItems(backlog workload.Config, prior, probes int) (history, probe []item, err error) {
	wc := workload.Config{Patients: 1, Seed: backlog.Seed, AsOf: backlog.AsOf, PerPatient: backlog.PerPatient,
		LongHistory: 1, LongHistoryLen: prior + historyTail}
	rs, err := workload.Generate(wc)
	if err != nil {
		return nil, nil, fmt.Errorf("history workload: %w", err)
	}
	items := make([]item, len(rs))
	for i, r := range rs {
		if items[i], err = generatedItem(r); err != nil {
			return nil, nil, err
		}
	}
	for i := len(items) - 1; i >= prior && len(probe) < probes; i-- {
		if items[i].genRelevant {
			probe = append(probe, items[i])
		}
	}
	slices.Reverse(probe)
	if len(probe) == 0 {
		return nil, nil, fmt.Errorf("history workload: no relevant resource after the first %d", prior)
	}
	return items[:prior], probe, nil
}

// historyRun is one history size being measured: its server, with the
// history drained by an in-process worker, and the probes still to time.
type historyRun struct {
	point  historyPoint
	srv    *server
	w      *streams.Worker
	cons   jetstream.Consumer
	probes []item
}

// measureHistories measures every size side by side: the histories are
// built first, each on its own server, then the sizes take turns, one probe
// each, so that whatever slows the machine for a while (another process,
// the disk's flushing) falls on every size alike and the ratio between
// them holds.
func measureHistories(ctx context.Context, cfg Config, dirOf func(prior int) string, sizes []int) ([]historyPoint, error) {
	runs := make([]*historyRun, 0, len(sizes))
	defer func() {
		for _, h := range runs {
			h.srv.stop()
		}
	}()
	for _, prior := range sizes {
		progress(cfg, "per-event cost after %d prior resources: building the history", prior)
		h, err := prepareHistory(ctx, cfg, dirOf(prior), prior)
		if err != nil {
			return nil, err
		}
		runs = append(runs, h)
	}
	progress(cfg, "per-event cost: probing the %d sizes in turn", len(sizes))
	for round := 0; ; round++ {
		probed := false
		for _, h := range runs {
			if round >= len(h.probes) {
				continue
			}
			d, err := handleOne(ctx, h.srv.js, h.cons, h.w, h.probes[round])
			if err != nil {
				return nil, fmt.Errorf("history %d: probe %s: %w", h.point.prior, h.probes[round].ref, err)
			}
			h.point.probes = append(h.point.probes, d)
			probed = true
		}
		if !probed {
			break
		}
	}
	out := make([]historyPoint, len(runs))
	for i, h := range runs {
		out[i] = h.point
	}
	return out, nil
}

// prepareHistory builds one history on a fresh server with an in-process
// worker (fetching and handling as Worker.Run does), ready for its probes:
// each is then published, fetched and its HandleBatch timed alone.
func prepareHistory(ctx context.Context, cfg Config, dir string, prior int) (*historyRun, error) {
	history, probes, err := historyItems(cfg.Workload, prior, cfg.Probes)
	if err != nil {
		return nil, err
	}
	// The history is stored first (one message per resource, as a feed
	// sends it), then drained by the worker on a server with its settings.
	if err := seedStore(ctx, dir, history); err != nil {
		return nil, fmt.Errorf("history %d: %w", prior, err)
	}
	srv, err := startServer(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("history %d: %w", prior, err)
	}
	h := &historyRun{point: historyPoint{prior: prior}, srv: srv, probes: probes}
	if err := h.drain(ctx, cfg, len(history)); err != nil {
		srv.stop()
		return nil, fmt.Errorf("history %d: %w", prior, err)
	}
	return h, nil
}

// drain starts the worker and has it handle the n messages of the history.
func (h *historyRun) drain(ctx context.Context, cfg Config, n int) error {
	asOf := cfg.Workload.AsOf
	w, err := streams.NewWorker(h.srv.js, cfg.Engine, streams.Config{}, streams.WithClock(func() time.Time { return asOf }))
	if err != nil {
		return err
	}
	cons, err := w.Setup(ctx)
	if err != nil {
		return err
	}
	h.w, h.cons = w, cons
	for handled := 0; handled < n; {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msgs, err := fetchLikeWorker(cons)
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		w.HandleBatch(ctx, msgs)
		handled += len(msgs)
	}
	if _, err := waitSettled(ctx, cons, nil); err != nil {
		return err
	}
	h.point.stateBytes, _, err = stateSize(ctx, h.srv.js)
	return err
}

// handleOne publishes the item, fetches it and times the worker's handling.
func handleOne(ctx context.Context, js jetstream.JetStream, cons jetstream.Consumer, w *streams.Worker, it item) (time.Duration, error) {
	m := nats.NewMsg(it.subject)
	m.Data = it.json
	if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(it.msgID)); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	msgs, err := streams.Fetch(cons, 1, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("fetch: %w", err)
	}
	if len(msgs) != 1 {
		return 0, fmt.Errorf("fetched %d messages, want the one published", len(msgs))
	}
	start := time.Now()
	w.HandleBatch(ctx, msgs)
	return time.Since(start), nil
}

// historyRatio is the median cost at the largest history over the smallest.
func historyRatio(hs []historyPoint) float64 {
	if len(hs) < 2 || hs[0].median() <= 0 {
		return 0
	}
	return float64(hs[len(hs)-1].median()) / float64(hs[0].median())
}
