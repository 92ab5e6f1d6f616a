package streams

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// How a trial becomes active (catalog.go). When the trial set has trials
// that are not active, one worker (the holder of the replay's lease)
// replays the input stream, from its first retained message up to the last
// one at the start, applying every resource to the records as the live
// path would (versions make that idempotent: what is already there stays),
// without deciding anything. Meanwhile the live path goes on for the
// active trials and stores what the new ones read. Then every record is
// decided for the new trials, with one event each (cause "trial"), the
// trials become active in the catalog, and every record is swept once more
// for any that a worker with an older view of the catalog wrote meanwhile.

const (
	// leaseFor is how long a replay's lease lasts without renewal; a
	// worker that died holding it is replaced after that.
	leaseFor = time.Minute
	// progressEvery is how often a replay logs its progress, renews its
	// lease and records how far it got.
	progressEvery = 5 * time.Second
	// replayBatch is how many input messages the replay applies at once.
	replayBatch = 256
	// replayCause is the cause of the events that a trial's first
	// decisions publish.
	replayCause = "trial"
)

// startTrials sets this worker's trial set in the catalog: trials that are
// new or changed become pending. With no record yet and no input consumed
// (a new installation: the consumer will deliver every message anyway)
// they are active at once; otherwise a replay is due, which followCatalog
// runs.
func (w *Worker) startTrials(ctx context.Context, cons jetstream.Consumer) error {
	mine := w.eng.Fingerprints()
	upto, err := w.lastInput(ctx)
	if err != nil {
		return err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", w.cfg.Consumer, err)
	}
	fresh := info.AckFloor.Stream == 0 && info.NumAckPending == 0
	empty, legacy, err := w.stateIsEmpty(ctx)
	if err != nil {
		return err
	}
	c, err := updateCatalog(ctx, w.kv, func(c *catalog) (bool, error) {
		if c.same(mine) && (c.Replay != nil || len(c.pending()) == 0) {
			return false, nil // nothing new, or its replay is under way
		}
		c.Schema, c.Trials = 1, mine
		for id, fp := range c.Active {
			if mine[id] != fp {
				delete(c.Active, id)
			}
		}
		c.Replay = nil
		pending := c.pending()
		switch {
		case len(pending) == 0:
		case empty && (upto == 0 || fresh):
			for _, id := range pending {
				c.Active[id] = mine[id] // nobody to decide; the consumer brings all there is
			}
		default:
			c.Replay = &replayState{Trials: pending, Upto: upto, Phase: phaseReplay, Started: time.Now().UTC(), Legacy: legacy}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	w.cat.Store(c)
	if r := c.Replay; r != nil {
		w.log.Info("trials pending: the input stream is replayed for them before any of their events",
			zap.String("trials", describeTrials(r.Trials)), zap.Uint64("input_messages", r.Upto), zap.Bool("upgrade", r.Legacy))
	}
	return nil
}

// lastInput is the sequence of the input stream's last message (0: empty).
func (w *Worker) lastInput(ctx context.Context) (uint64, error) {
	s, err := w.js.Stream(ctx, w.cfg.InputStream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", w.cfg.InputStream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", w.cfg.InputStream, err)
	}
	if info.State.Msgs == 0 {
		return 0, nil
	}
	return info.State.LastSeq, nil
}

// stateIsEmpty reports whether the bucket holds no patient record, and
// whether it holds records written by an earlier version of trialscout
// (keys that are none of this version's).
func (w *Worker) stateIsEmpty(ctx context.Context) (empty, legacy bool, err error) {
	keys, err := w.kv.ListKeys(ctx)
	if err != nil {
		return false, false, fmt.Errorf("state bucket %s: %w", w.cfg.StateBucket, err)
	}
	defer keys.Stop() //nolint:errcheck // only stops the listing
	empty = true
	for k := range keys.Keys() {
		switch {
		case isLegacyKey(k):
			return false, true, nil
		case strings.HasPrefix(k, patientPrefix), strings.HasPrefix(k, hashedPrefix):
			empty = false
		}
	}
	return empty, false, nil
}

// isLegacyKey reports a key of a record written by trialscout before
// records were split (schema 1): the patient's "Patient/id" itself.
func isLegacyKey(k string) bool {
	return k != catalogKey && !strings.HasPrefix(k, patientPrefix) && !strings.HasPrefix(k, hashedPrefix) && !strings.HasPrefix(k, indexPrefix)
}

// catalog is the latest catalog this worker has seen.
func (w *Worker) catalog() *catalog {
	if c := w.cat.Load(); c != nil {
		return c
	}
	return &catalog{Trials: map[string]string{}, Active: map[string]string{}}
}

// followCatalog keeps the worker's view of the catalog current, pauses the
// worker while the catalog's trial set is not its own, and takes on a
// replay that nobody holds (or whose holder stopped renewing its lease).
func (w *Worker) followCatalog(ctx context.Context) error {
	watcher, err := w.kv.Watch(ctx, catalogKey, jetstream.UpdatesOnly())
	if err != nil {
		return fmt.Errorf("watch %s: %w", catalogKey, err)
	}
	go func() {
		defer watcher.Stop() //nolint:errcheck // ends with ctx anyway
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		w.considerReplay(ctx)
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-watcher.Updates():
				if !ok {
					return
				}
				if e != nil && e.Operation() == jetstream.KeyValuePut {
					if c, err := decodeCatalog(e.Value()); err == nil {
						w.cat.Store(c)
						w.checkTrialSet(c)
					}
				}
			case <-tick.C:
			}
			w.considerReplay(ctx)
		}
	}()
	return nil
}

// checkTrialSet pauses the worker while the shared trial set is another's.
func (w *Worker) checkTrialSet(c *catalog) {
	mine := w.eng.Fingerprints()
	if c.same(mine) {
		if w.pause.Swap(nil) != nil {
			w.log.Info("trial set matches the catalog again; consuming")
		}
		return
	}
	reason := "the trial set in the state bucket (set by the worker started last) differs from this worker's; restart it with the same trial files"
	if w.pause.Swap(&reason) == nil {
		w.log.Error("pausing: " + reason)
	}
}

// considerReplay runs the catalog's replay when nobody else holds it.
func (w *Worker) considerReplay(ctx context.Context) {
	c := w.catalog()
	r := c.Replay
	if r == nil || !c.same(w.eng.Fingerprints()) || w.replaying.Load() {
		return
	}
	if r.Owner != "" && r.Owner != w.id && time.Now().Before(r.Lease) {
		return
	}
	claimed, err := updateCatalog(ctx, w.kv, func(c *catalog) (bool, error) {
		if c.Replay == nil || (c.Replay.Owner != "" && c.Replay.Owner != w.id && time.Now().Before(c.Replay.Lease)) {
			return false, nil
		}
		c.Replay.Owner, c.Replay.Lease = w.id, time.Now().Add(leaseFor).UTC()
		return true, nil
	})
	if err != nil || claimed.Replay == nil || claimed.Replay.Owner != w.id {
		return
	}
	w.cat.Store(claimed)
	w.replaying.Store(true)
	go func() {
		defer w.replaying.Store(false)
		if err := w.runReplay(ctx, *claimed.Replay); err != nil && ctx.Err() == nil {
			w.log.Warn("replay for pending trials stopped; it goes on from where it got", zap.Error(err))
		}
	}()
}

// errLostLease: another worker took the replay over.
var errLostLease = errors.New("the replay's lease passed to another worker")

// runReplay replays the input stream for the pending trials, then decides
// every record for them and makes them active.
func (w *Worker) runReplay(ctx context.Context, r replayState) error {
	start := time.Now()
	if r.Phase == phaseReplay {
		if err := w.replayInput(ctx, &r); err != nil {
			return err
		}
		r.Phase = phaseDecide
		if err := w.checkpoint(ctx, r); err != nil {
			return err
		}
	}
	decided, err := w.sweep(ctx, r)
	if err != nil {
		return err
	}
	c, err := updateCatalog(ctx, w.kv, func(c *catalog) (bool, error) {
		if c.Replay == nil || c.Replay.Owner != w.id {
			return false, errLostLease
		}
		for _, id := range r.Trials {
			c.Active[id] = c.Trials[id]
		}
		c.Replay = nil
		return true, nil
	})
	if err != nil {
		return err
	}
	w.cat.Store(c)
	again, err := w.sweep(ctx, r) // records written meanwhile by a worker that had not yet seen the catalog
	if err != nil {
		return err
	}
	if r.Legacy {
		w.dropLegacy(ctx)
	}
	w.metrics.replayRemaining.Set(0)
	w.log.Info("trials active: every patient decided on the retained input", zap.String("trials", describeTrials(r.Trials)),
		zap.Uint64("input_messages", r.Upto), zap.Int("patients_decided", decided+again), zap.Duration("took", time.Since(start).Round(time.Millisecond)))
	return nil
}

// replayInput applies the input stream's messages up to r.Upto, from where
// the replay got, renewing the lease as it goes.
func (w *Worker) replayInput(ctx context.Context, r *replayState) error {
	if r.Done >= r.Upto {
		return nil
	}
	cons, err := w.js.OrderedConsumer(ctx, w.cfg.InputStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{w.cfg.InputSubject}, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: r.Done + 1})
	if err != nil {
		return fmt.Errorf("replay consumer: %w", err)
	}
	p := newProgress(r.Done, r.Upto)
	for r.Done < r.Upto {
		batch, err := cons.Fetch(replayBatch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("replay fetch: %w", err)
		}
		msgs, err := collect(batch)
		if err != nil {
			return fmt.Errorf("replay fetch: %w", err)
		}
		if len(msgs) == 0 {
			break // the rest aged out of the stream, or was deleted
		}
		if msgs, r.Done, err = w.replayMessages(ctx, msgs, r.Upto); err != nil {
			return err
		}
		w.metrics.replayed.Add(float64(len(msgs)))
		w.metrics.replayRemaining.Set(float64(r.Upto - min(r.Done, r.Upto)))
		if p.due() {
			p.log(w.log, r)
			if err := w.checkpoint(ctx, *r); err != nil {
				return err
			}
		}
	}
	r.Done = r.Upto
	return nil
}

// replayMessages applies the messages up to upto (without deciding), again
// until none fails for a transient reason, and returns them with the last
// sequence done.
func (w *Worker) replayMessages(ctx context.Context, msgs []jetstream.Msg, upto uint64) ([]jetstream.Msg, uint64, error) {
	var last uint64
	keep := msgs[:0]
	for _, m := range msgs {
		meta, err := m.Metadata()
		if err != nil || meta.Sequence.Stream > upto {
			continue
		}
		keep = append(keep, m)
		last = meta.Sequence.Stream
	}
	for {
		failed := 0
		for _, in := range w.process(ctx, keep, false) {
			if in.failed != nil {
				failed++
			}
		}
		if failed == 0 || ctx.Err() != nil {
			return keep, last, ctx.Err()
		}
		w.log.Warn("replay: some messages failed; applying the batch again", zap.Int("failed", failed))
		sleep(ctx, w.cfg.NakDelay)
	}
}

// checkpoint records how far the replay got and renews its lease.
func (w *Worker) checkpoint(ctx context.Context, r replayState) error {
	c, err := updateCatalog(ctx, w.kv, func(c *catalog) (bool, error) {
		if c.Replay == nil || c.Replay.Owner != w.id {
			return false, errLostLease
		}
		c.Replay.Done, c.Replay.Phase, c.Replay.Lease = r.Done, r.Phase, time.Now().Add(leaseFor).UTC()
		return true, nil
	})
	if err == nil {
		w.cat.Store(c)
	}
	return err
}

// sweep decides the pending trials for every record that has no decision
// of theirs on full data yet, and returns how many it decided.
func (w *Worker) sweep(ctx context.Context, r replayState) (int, error) {
	keys, err := w.kv.ListKeysFiltered(ctx, patientPrefix+"*", hashedPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("list records: %w", err)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		decided int
		errs    []error
		slot    = make(chan struct{}, w.cfg.Parallel)
	)
	p := newProgress(0, 0)
	for k := range keys.Keys() {
		slot <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slot; wg.Done() }()
			did, err := w.decidePending(ctx, k, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if did {
				decided++
			}
		}()
		if p.due() {
			w.log.Info("deciding pending trials", zap.String("trials", describeTrials(r.Trials)), zap.Int("patients_decided", decided))
			if err := w.checkpoint(ctx, r); err != nil {
				return decided, err
			}
		}
	}
	wg.Wait()
	return decided, errors.Join(errs...)
}

// decidePending decides the pending trials for one record (by head key).
func (w *Worker) decidePending(ctx context.Context, key string, r replayState) (bool, error) {
	for range maxConflicts {
		data, rev, err := w.store.get(ctx, key)
		if err != nil || rev == 0 {
			return false, err
		}
		var h head
		if err := jsonUnmarshal(data, &h); err != nil || h.Patient == "" {
			return false, nil // unreadable: the live path sets it aside when it meets it
		}
		rec, err := w.store.load(ctx, h.Patient)
		if err != nil {
			return false, err
		}
		if !w.decideTrials(ctx, rec, r) {
			w.store.release(rec)
			return false, nil
		}
		err = w.store.commit(ctx, rec)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return false, err
		}
		w.due.set(rec.head.Patient, rec.due())
		err = w.publishOutboxes(ctx, [][]*record{{rec}})[0]
		w.store.release(rec)
		return true, err
	}
	return false, fmt.Errorf("%s: %d concurrent updates in a row", key, maxConflicts)
}

// decideTrials decides each pending trial the record has no decision of on
// full data; it reports whether it decided any.
func (w *Worker) decideTrials(ctx context.Context, rec *record, r replayState) bool {
	now := w.now().UTC()
	pending := map[string]bool{}
	for _, id := range r.Trials {
		pending[id] = true
	}
	var legacy map[string]*StoredEvaluation
	if r.Legacy {
		legacy = w.legacyEvaluations(ctx, rec.head.Patient)
	}
	did := false
	for _, p := range w.eng.Programs() {
		id, fp := p.Trial().ID, p.Fingerprint()
		if !pending[id] || (rec.head.Evaluations[id] != nil && rec.head.Evaluations[id].Fingerprint == fp) {
			continue
		}
		if rec.head.Evaluations[id] == nil && legacy[id] != nil {
			rec.head.Evaluations[id] = legacy[id] // the upgrade's previous decision
		}
		w.decideTrial(rec, id, fp, p.Evaluate(rec.facts, now), "trial:"+fp, replayCause, now)
		did = true
	}
	return did
}

// progress paces a long job's log lines and measures its rate.
type progress struct {
	start     time.Time
	last      time.Time
	from, end uint64
}

func newProgress(from, end uint64) *progress {
	now := time.Now()
	return &progress{start: now, last: now, from: from, end: end}
}

// due reports whether progressEvery has passed since the last report.
func (p *progress) due() bool {
	if time.Since(p.last) < progressEvery {
		return false
	}
	p.last = time.Now()
	return true
}

// log writes where a replay is: done of all, rate, and time left.
func (p *progress) log(l *zap.Logger, r *replayState) {
	took := time.Since(p.start).Seconds()
	rate := float64(r.Done-p.from) / max(took, 1e-9)
	left := time.Duration(0)
	if rate > 0 {
		left = time.Duration(float64(r.Upto-min(r.Done, r.Upto)) / rate * float64(time.Second))
	}
	l.Info("replaying the input stream for pending trials", zap.String("trials", describeTrials(r.Trials)),
		zap.Uint64("done", r.Done), zap.Uint64("of", r.Upto), zap.Float64("per_second", float64(int(rate))),
		zap.Duration("left", left.Round(time.Second)))
}
