package streams

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// A record's head holds the events its last decisions made (the outbox),
// written with the decisions: a worker that stops before publishing them
// leaves them to whoever writes the record next. Once published, they are
// left out of the head's next write (record.published) rather than cleared
// with a write of their own: a patient's next change, or the next atomic
// batch, carries it. Records whose published events are still in their
// head wait in the worker's clears; when nothing else is written for a
// while (idle, or a second), they are written on their own. A worker that
// stops before then leaves events that the next writer publishes again
// under the same ids, which the stream drops within its duplicate window.

// publishOutboxes publishes the events in the records' outboxes not yet
// published, group by group (a group is one change's records), as atomic
// batches when the event stream takes them and there are enough, else one
// at a time. It returns, per group, why its events could not all be
// published; a record's events published so far are marked either way.
func (w *Worker) publishOutboxes(ctx context.Context, groups [][]*record) []error {
	errs := make([]error, len(groups))
	done := make([]bool, len(groups))
	if w.eventsAtomic && w.pendingEvents(groups) >= atomicMinWrites/2 {
		w.publishEventBatches(ctx, groups, done)
	}
	each(len(groups), w.cfg.Parallel, func(i int) {
		if !done[i] {
			errs[i] = w.publishGroup(ctx, groups[i])
		}
	})
	for _, g := range groups {
		for _, rec := range g {
			w.clears.add(rec)
		}
	}
	return errs
}

// pendingEvents counts the events of the groups not yet published.
func (w *Worker) pendingEvents(groups [][]*record) int {
	n := 0
	for _, g := range groups {
		for _, rec := range g {
			n += len(rec.head.Outbox) - rec.published
		}
	}
	return n
}

// publishGroup publishes a group's events one at a time.
func (w *Worker) publishGroup(ctx context.Context, g []*record) error {
	for _, rec := range g {
		for rec.published < len(rec.head.Outbox) {
			if err := w.publishEvent(ctx, rec.head.Outbox[rec.published]); err != nil {
				return err
			}
			rec.published++
		}
	}
	return nil
}

// publishEventBatches publishes the groups' events as atomic batches, whole
// groups to a batch, and marks done the groups whose batch the stream took.
// A batch refused (an event already in the stream among them: a
// redelivery) leaves its groups to be published one event at a time.
func (w *Worker) publishEventBatches(ctx context.Context, groups [][]*record, done []bool) {
	var (
		batch   []batchMsg
		members []int
		events  []Event
	)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		_, err := publishAtomic(ctx, w.js.Conn(), batch)
		w.metrics.atomicBatches.WithLabelValues("events", outcomeOf(err)).Inc()
		if err == nil {
			for _, i := range members {
				done[i] = true
				for _, rec := range groups[i] {
					rec.published = len(rec.head.Outbox)
				}
			}
			for _, e := range events {
				w.announced(e)
			}
		} else {
			w.log.Debug("event batch refused; publishing its events one at a time", zap.Int("messages", len(batch)), zap.Error(err))
		}
		batch, members, events = batch[:0], members[:0], events[:0]
	}
	for i, g := range groups {
		var msgs []batchMsg
		var evs []Event
		ok := true
		for _, rec := range g {
			for _, e := range rec.head.Outbox[rec.published:] {
				m, err := w.eventMsgs(e)
				if err != nil {
					ok = false // publishGroup reports it
					break
				}
				msgs, evs = append(msgs, m...), append(evs, e)
			}
		}
		if !ok || len(msgs) == 0 || len(msgs) > maxAtomicBatch {
			continue
		}
		if len(batch)+len(msgs) > maxAtomicBatch {
			flush()
		}
		batch, members, events = append(batch, msgs...), append(members, i), append(events, evs...)
	}
	flush()
}

// outcomeOf labels an atomic batch's outcome.
func outcomeOf(err error) string {
	if err != nil {
		return "refused"
	}
	return "written"
}

// clearList holds the records whose published events are still in their
// head, until a write leaves them out.
type clearList struct {
	mu    sync.Mutex
	recs  map[*record]bool
	since time.Time // when the oldest was added
}

func (c *clearList) add(rec *record) {
	if rec.published == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = map[*record]bool{}
	}
	if len(c.recs) == 0 {
		c.since = time.Now()
	}
	c.recs[rec] = true
}

// due reports whether the list should be written on its own: it is long,
// or has waited a second.
func (c *clearList) due() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.recs) >= maxPendingClears || len(c.recs) > 0 && time.Since(c.since) >= time.Second
}

// maxPendingClears: past this many records waiting, they are written.
const maxPendingClears = 256

// take hands out the records still waiting, but those in skip (a change
// being written carries them), each taken from the cache: a record no
// longer there was written, is being changed, or was forgotten.
func (c *clearList) take(cache *recordCache, skip map[*record]bool) []*record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*record
	for rec := range c.recs {
		if rec.published == 0 || skip[rec] {
			delete(c.recs, rec)
			continue
		}
		if cache.takeExact(rec) {
			out = append(out, rec)
		}
		delete(c.recs, rec)
	}
	return out
}

// flushClears writes the heads of the records waiting in the clears, when
// due or when force (the worker is idle or stopping): as one atomic batch
// when the server takes them, else one at a time.
func (w *Worker) flushClears(ctx context.Context, force bool) {
	if !force && !w.clears.due() {
		return
	}
	recs := w.clears.take(w.store.cache, nil)
	if len(recs) == 0 {
		return
	}
	units := make([]*commitUnit, 0, len(recs))
	for _, rec := range recs {
		rec.headDirty = true
		writes, err := w.store.plan(ctx, rec)
		if err != nil {
			w.store.cache.drop(rec.key)
			continue
		}
		units = append(units, &commitUnit{clear: rec, writes: writes})
	}
	w.commitUnits(ctx, units)
	for _, u := range units {
		if u.err != nil {
			w.log.Debug("could not leave published events out of a record; the next writer publishes them again under the same ids",
				zap.String("patient_key", u.clear.key), zap.Error(u.err))
		}
		w.store.release(u.clear)
	}
}
