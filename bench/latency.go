package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/workload"
)

// latencyPass is the time from publishing a resource to receiving the status
// event it caused, with the input paced below what the worker can take.
type latencyPass struct {
	rate      float64 // offered, resources/s
	duration  time.Duration
	published int
	// settled is how long after the last publish the worker had settled
	// every message: near zero when it keeps up.
	settled time.Duration
	events  int             // status events received
	samples []time.Duration // one per event whose cause was published here
}

// latencyItems generates n resources of patients the backlog does not have
// (the backlog's, and those of earlier latency runs, are in old), so that
// their first evaluations and changes make events. Each patient's resources
// keep their order; the patients used join old.
func latencyItems(backlog workload.Config, old map[string]bool, n int) ([]item, error) {
	for extra := n/15 + 2; ; extra *= 2 {
		wc := backlog
		wc.Patients, wc.LongHistory = backlog.Patients+extra, -1
		rs, err := workload.Generate(wc)
		if err != nil {
			return nil, fmt.Errorf("latency workload: %w", err)
		}
		var items []item
		used := map[string]bool{}
		for _, r := range rs {
			if old[r.Patient] {
				continue
			}
			it, err := generatedItem(r)
			if err != nil {
				return nil, err
			}
			used[r.Patient] = true
			if items = append(items, it); len(items) == n {
				maps.Copy(old, used)
				return items, nil
			}
		}
		if extra > 1<<20 {
			return nil, fmt.Errorf("latency workload: %d resources wanted, %d made", n, len(items))
		}
	}
}

// measureLatency publishes items at rate for d (or until they run out),
// then waits for the worker to settle them, and matches each status event's
// cause to the time that resource was published.
func measureLatency(ctx context.Context, srv *server, cons jetstream.Consumer, items []item, rate float64, d time.Duration, gone <-chan struct{}) (latencyPass, error) {
	lp := latencyPass{rate: rate}
	var mu sync.Mutex
	sent := map[string][]time.Time{} // ref -> when each version was published
	sub, err := srv.nc.Subscribe(eventSubjects, func(m *nats.Msg) {
		at := time.Now()
		var e struct {
			Cause string `json:"cause"`
		}
		if json.Unmarshal(m.Data, &e) != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		lp.events++
		if t, ok := lastBefore(sent[e.Cause], at); ok {
			lp.samples = append(lp.samples, at.Sub(t))
		}
	})
	if err != nil {
		return lp, fmt.Errorf("subscribe %s: %w", eventSubjects, err)
	}
	defer sub.Unsubscribe() //nolint:errcheck // the connection closes soon after

	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var pending []jetstream.PubAckFuture
	for i, it := range items {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d {
			break
		}
		if err := sleepUntil(ctx, due); err != nil {
			return lp, err
		}
		m := nats.NewMsg(it.subject)
		m.Data = it.json
		mu.Lock()
		sent[it.ref] = append(sent[it.ref], time.Now())
		mu.Unlock()
		f, err := srv.js.PublishMsgAsync(m, jetstream.WithMsgID(it.msgID))
		if err != nil {
			return lp, fmt.Errorf("publish %s: %w", it.ref, err)
		}
		lp.published++
		if pending, err = settleAcks(ctx, append(pending, f)); err != nil {
			return lp, err
		}
	}
	lp.duration = time.Since(start)
	for _, f := range pending {
		if err := awaitAck(ctx, f); err != nil {
			return lp, err
		}
	}
	settledAt, err := waitSettled(ctx, cons, gone)
	if err != nil {
		return lp, err
	}
	lp.settled = settledAt.Sub(start.Add(lp.duration))
	// The worker publishes a message's events before it acks it: what is
	// still in flight to this subscriber arrives within moments.
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := srv.nc.FlushWithContext(fctx); err != nil {
		return lp, fmt.Errorf("flush: %w", err)
	}
	if err := sleepUntil(ctx, time.Now().Add(200*time.Millisecond)); err != nil {
		return lp, err
	}
	if err := sub.Unsubscribe(); err != nil {
		return lp, fmt.Errorf("unsubscribe: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lp.samples) == 0 {
		return lp, fmt.Errorf("no status event named a resource published in %s (%d events in all)", lp.duration.Round(time.Millisecond), lp.events)
	}
	return lp, nil
}

// settleAcks drops the acknowledged publishes from the front of pending,
// waiting for the oldest only when too many are outstanding.
func settleAcks(ctx context.Context, pending []jetstream.PubAckFuture) ([]jetstream.PubAckFuture, error) {
	for len(pending) > 0 {
		select {
		case <-pending[0].Ok():
		case err := <-pending[0].Err():
			return pending, fmt.Errorf("publish: %w", err)
		default:
			if len(pending) < publishWindow {
				return pending, nil
			}
			if err := awaitAck(ctx, pending[0]); err != nil {
				return pending, err
			}
		}
		pending = pending[1:]
	}
	return pending, nil
}

// lastBefore is the latest of ts not after at.
func lastBefore(ts []time.Time, at time.Time) (time.Time, bool) {
	for i := len(ts) - 1; i >= 0; i-- {
		if !ts[i].After(at) {
			return ts[i], true
		}
	}
	return time.Time{}, false
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}
