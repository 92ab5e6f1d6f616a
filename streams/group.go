package streams

import (
	"context"
	"errors"
	"fmt"
)

// atomicMinWrites is the fewest writes worth an atomic batch: on a single
// server's file store a batch costs about as much as 15 to 20 synced writes
// of single keys, whatever its size (measured with BenchmarkDrain and a
// test of batch sizes, 2 cores, 2026-12). Fewer writes go key by key.
const atomicMinWrites = 16

// errBatchFailed wraps why an atomic batch of the state bucket was not
// written; its changes are made again from a fresh read, key by key.
var errBatchFailed = errors.New("atomic batch not written")

// commitUnit is what one atomic batch must hold whole: one change's writes,
// or the head of one record that leaves its published events out.
type commitUnit struct {
	p      *prepared
	clear  *record
	writes []keyWrite
	err    error // why it was not written
}

// commitAll writes prepared changes, and returns those written and those to
// make again from a fresh read (another writer changed a key meanwhile, or
// a batch was refused); a change that failed otherwise has its err set.
// With a backlog, the changes of many patients go out in one atomic batch,
// with the clears that wait (outbox.go); two changes of one batch that
// would write the same key (a resource moving between two patients of the
// batch) cannot both be right, so the later is made again after it.
func (w *Worker) commitAll(ctx context.Context, preps []*prepared) (written, again []*prepared) {
	claimed := map[string]bool{}
	inBatch := map[*record]bool{}
	var units []*commitUnit
	total := 0
	for _, p := range preps {
		writes, err := p.ch.plan(ctx, p.recs)
		switch {
		case errors.Is(err, errConflict):
			p.discard(w.store)
			again = append(again, p)
			continue
		case err != nil:
			p.err = err
			p.discard(w.store)
			continue
		case !claim(claimed, writes):
			p.discard(w.store)
			again = append(again, p)
			continue
		}
		units = append(units, &commitUnit{p: p, writes: writes})
		total += len(writes)
		for _, rec := range p.recs {
			inBatch[rec] = true
		}
	}
	if w.atomicKV && total >= atomicMinWrites {
		units = append(units, w.clearUnits(ctx, inBatch, claimed)...)
	}
	w.commitUnits(ctx, units)
	for _, u := range units {
		switch {
		case u.clear != nil:
			w.store.release(u.clear)
		case u.err == nil:
			written = append(written, u.p)
		case errors.Is(u.err, errConflict) || errors.Is(u.err, errBatchFailed):
			u.p.discard(w.store)
			again = append(again, u.p)
		default:
			u.p.err = u.err
			u.p.discard(w.store)
		}
	}
	return written, again
}

// claim notes the keys of writes, unless one is noted already.
func claim(claimed map[string]bool, writes []keyWrite) bool {
	for _, kw := range writes {
		if claimed[kw.key] {
			return false
		}
	}
	for _, kw := range writes {
		claimed[kw.key] = true
	}
	return true
}

// clearUnits takes the records waiting in the clears that no change of the
// batch writes, each a unit writing its head.
func (w *Worker) clearUnits(ctx context.Context, inBatch map[*record]bool, claimed map[string]bool) []*commitUnit {
	var units []*commitUnit
	for _, rec := range w.clears.take(w.store.cache, inBatch) {
		rec.headDirty = true
		writes, err := w.store.plan(ctx, rec)
		if err != nil || !claim(claimed, writes) {
			w.store.cache.drop(rec.key)
			continue
		}
		units = append(units, &commitUnit{clear: rec, writes: writes})
	}
	return units
}

// commitUnits writes units: in atomic batches, as many whole units to a
// batch as fit, when the bucket takes them and there are enough writes;
// else each unit key by key, several at once. A unit not written has its
// err set.
func (w *Worker) commitUnits(ctx context.Context, units []*commitUnit) {
	total := 0
	for _, u := range units {
		total += len(u.writes)
	}
	if !w.atomicKV || total < atomicMinWrites {
		w.commitEach(ctx, units)
		return
	}
	var (
		batch []*commitUnit
		size  int
		large []*commitUnit
	)
	for _, u := range units {
		switch {
		case len(u.writes) > maxAtomicBatch:
			large = append(large, u)
			continue
		case size+len(u.writes) > maxAtomicBatch:
			w.commitBatch(ctx, batch)
			batch, size = nil, 0
		}
		batch, size = append(batch, u), size+len(u.writes)
	}
	w.commitBatch(ctx, batch)
	w.commitEach(ctx, large)
}

// commitEach writes each unit key by key, Parallel units at once.
func (w *Worker) commitEach(ctx context.Context, units []*commitUnit) {
	each(len(units), w.cfg.Parallel, func(i int) {
		units[i].err = w.store.write(ctx, units[i].writes)
	})
}

// commitBatch writes units as one atomic batch.
func (w *Worker) commitBatch(ctx context.Context, units []*commitUnit) {
	if len(units) == 0 {
		return
	}
	var msgs []batchMsg
	for _, u := range units {
		for _, kw := range u.writes {
			msgs = append(msgs, kvWrite(w.store.bucket, kw.key, kw.data, kw.rev))
		}
	}
	first, err := publishAtomic(ctx, w.js.Conn(), msgs)
	w.metrics.atomicBatches.WithLabelValues("state", outcomeOf(err)).Inc()
	if err != nil {
		err = fmt.Errorf("%w: %d writes: %w", errBatchFailed, len(msgs), err)
		for _, u := range units {
			u.err = err
		}
		return
	}
	seq := first
	for _, u := range units {
		for _, kw := range u.writes {
			kw.done(seq)
			seq++
		}
	}
}
