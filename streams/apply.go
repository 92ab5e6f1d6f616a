package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// maxConflicts bounds compare-and-set retries; past it the message is
// retried later as a whole.
const maxConflicts = 16

// prepared is one patient's work applied and decided, not yet written.
type prepared struct {
	patient string
	work    *patientWork
	ch      *change
	// recs are the records to write, the patient's first; none when the
	// work brought nothing new (a redelivery).
	recs []*record
	err  error
}

// prepare applies a patient's resources to its record, taking a resource
// whose newer version names this patient from the patient that held it,
// and, when decide, re-decides the trials of every record whose facts
// changed. Nothing is written yet.
func (w *Worker) prepare(ctx context.Context, patient string, work *patientWork, decide bool) *prepared {
	p := &prepared{patient: patient, work: work}
	ch, err := w.applyOnce(ctx, patient, work.resources)
	if err != nil {
		p.err = err
		return p
	}
	p.ch = ch
	if ch.own.stale && len(work.resources) > 0 {
		// Facts ahead of the decisions: a writer stopped between its
		// writes, or one is between them now (its growth, say). Decide
		// again now, and write the head in any case (not deciding, in a
		// replay): its compare-and-set is what tells this writer, should
		// the other's head land first, that its view is out of date.
		ch.changed[ch.own], ch.causes[ch.own] = true, work.resources[len(work.resources)-1].Meta().Ref
		ch.own.headDirty = true
	}
	if len(ch.changed) == 0 { // nothing new: a redelivery
		for _, rec := range ch.others {
			w.store.release(rec)
		}
		return p
	}
	if decide {
		for rec, cause := range ch.causes {
			w.decide(rec, work.trigger, cause)
		}
	}
	p.recs = ch.records()
	for _, rec := range p.recs {
		w.tidy(rec)
	}
	return p
}

// discard forgets the records of a change that will not be written.
func (p *prepared) discard(s *stateStore) {
	if p.ch == nil {
		return
	}
	s.cache.drop(p.ch.own.key)
	for _, rec := range p.recs {
		s.cache.drop(rec.key)
	}
}

// applyPatient applies and writes one patient's work key by key, reading
// again and starting over when another writer changed a key meanwhile;
// then it publishes the events.
func (w *Worker) applyPatient(ctx context.Context, patient string, work *patientWork, decide bool) error {
	for range maxConflicts {
		p := w.prepare(ctx, patient, work, decide)
		if p.err != nil {
			return p.err
		}
		if p.recs != nil {
			err := p.ch.commit(ctx, p.recs)
			if errors.Is(err, errConflict) {
				w.metrics.conflicts.Inc()
				continue
			}
			if err != nil {
				return err
			}
		}
		return w.written(ctx, []*prepared{p})[0]
	}
	return fmt.Errorf("%s: %d concurrent updates in a row", patientKey(patient), maxConflicts)
}

// written finishes changes whose writes are done (or that had nothing to
// write): it schedules each record's next check, publishes the events of
// their outboxes (a stopped writer's too), and hands the records back. It
// returns, per change, why its events could not all be published.
func (w *Worker) written(ctx context.Context, preps []*prepared) []error {
	groups := make([][]*record, len(preps))
	for i, p := range preps {
		if p.recs == nil {
			groups[i] = []*record{p.ch.own}
			continue
		}
		for _, rec := range p.recs {
			w.due.set(rec.head.Patient, rec.due())
		}
		groups[i] = p.recs
	}
	errs := w.publishOutboxes(ctx, groups)
	for _, g := range groups {
		w.store.release(g...)
	}
	return errs
}

// commit writes a change key by key, in an order that a stop at any point
// leaves consistent, as a redelivery finds it (see plan). On a failure the
// records are not kept, since what the bucket holds is then unknown.
func (ch *change) commit(ctx context.Context, recs []*record) error {
	writes, err := ch.plan(ctx, recs)
	if err == nil {
		err = ch.w.store.write(ctx, writes)
	}
	if err != nil {
		for _, rec := range recs {
			ch.w.store.cache.drop(rec.key)
		}
	}
	return err
}

// plan lists a change's writes in order: the records a resource leaves
// first; then the index entries naming this patient as holder; then this
// patient's record; then the index entries of resources nobody holds any
// more. A stale index entry only costs a look at a record that no longer
// holds the resource. An atomic batch writes them all or none (group.go).
func (ch *change) plan(ctx context.Context, recs []*record) ([]keyWrite, error) {
	s := ch.w.store
	var out []keyWrite
	for _, rec := range recs[1:] {
		ws, err := s.plan(ctx, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, ws...)
	}
	for _, pass := range []bool{true, false} {
		for ref, ix := range ch.index {
			if (ix.now == ix.holder && !ix.touch) || (ix.now != "") != pass {
				continue
			}
			data, err := json.Marshal(indexEntry{Patient: ix.now})
			if err != nil {
				return nil, fmt.Errorf("encode index of %s: %w", ref, err)
			}
			out = append(out, keyWrite{key: resourceKey(ref), data: data, rev: ix.rev, done: func(rev uint64) {
				ix.holder, ix.rev, ix.touch = ix.now, rev, false
			}})
		}
		if pass {
			ws, err := s.plan(ctx, recs[0])
			if err != nil {
				return nil, err
			}
			out = append(out, ws...)
		}
	}
	return out, nil
}

// change is one patient's work in progress: its record, the records of
// patients it takes resources from, and the index entries it moves.
type change struct {
	w       *Worker
	patient string
	own     *record
	others  map[string]*record
	index   map[string]*indexState
	changed map[*record]bool
	// causes holds, per record whose facts changed, the last resource that
	// changed them: it names the events.
	causes map[*record]string
}

// indexState is a resource's index entry: as read, and as it is to be.
type indexState struct {
	holder, now string
	rev         uint64
	// touch: write the entry even if now is holder (see apply).
	touch bool
}

func (w *Worker) applyOnce(ctx context.Context, patient string, resources []facts.Resource) (*change, error) {
	own, err := w.store.load(ctx, patient)
	if err != nil {
		return nil, err
	}
	ch := &change{w: w, patient: patient, own: own, others: map[string]*record{}, index: map[string]*indexState{},
		changed: map[*record]bool{}, causes: map[*record]string{}}
	for _, r := range resources {
		if err := ch.apply(ctx, r); err != nil {
			ch.giveBack()
			return nil, err
		}
	}
	return ch, nil
}

// apply applies one resource version. When the patient does not hold the
// resource, the index says whether another patient does: a newer version
// then moves it here (facts.Transfer).
func (ch *change) apply(ctx context.Context, r facts.Resource) error {
	ref := r.Meta().Ref
	heldBefore := ch.own.facts.Holds(ref)
	var from *record
	if !heldBefore {
		ix, err := ch.indexOf(ctx, ref)
		if err != nil {
			return err
		}
		if ix.now != "" && ix.now != ch.patient {
			if from, err = ch.other(ctx, ix.now); err != nil {
				return err
			}
			if !from.facts.Holds(ref) {
				ch.fence(from, ref)
			}
		}
	}
	var fromFacts *facts.Patient
	if from != nil {
		fromFacts = from.facts
	}
	fromChange, toChange := facts.Transfer(fromFacts, ch.own.facts, r)
	ch.note(from, ref, fromChange)
	ch.note(ch.own, ref, toChange)
	heldAfter := ch.own.facts.Holds(ref)
	if heldBefore == heldAfter && fromChange == facts.Unchanged {
		return nil
	}
	ix, err := ch.indexOf(ctx, ref)
	if err != nil {
		return err
	}
	switch {
	case heldAfter:
		ix.now = ch.patient
		// Taken by this change: the entry is written even when it names
		// this patient already (left by a writer of this patient that
		// stopped, or whose write of the record failed), so that another
		// writer that read it meanwhile to take the resource conflicts.
		ix.touch = !heldBefore
	case from != nil && from.facts.Holds(ref):
		ix.now = from.head.Patient
	default:
		ix.now = ""
	}
	return nil
}

// fence writes again, unchanged, the bucket where the index's holder would
// keep a resource it does not hold. The index may name it because it
// lost the resource (a stale entry, harmless), or because its writer is
// between writing the index and writing its record: its record write then
// conflicts with the fence, or the fence with it, and either change is
// made again from a fresh read; so the resource never ends up with both.
func (ch *change) fence(rec *record, ref string) {
	rec.dirty[bucketOf(ref, rec.head.Buckets)] = true
	ch.changed[rec] = true
}

// note records what applying did to a record.
func (ch *change) note(rec *record, ref string, c facts.Change) {
	if rec == nil || c == facts.Unchanged {
		return
	}
	rec.touched(ref, c)
	ch.changed[rec] = true
	if c == facts.FactsChanged {
		ch.causes[rec] = ref
	}
}

// indexOf reads a resource's index entry once per change.
func (ch *change) indexOf(ctx context.Context, ref string) (*indexState, error) {
	if ix := ch.index[ref]; ix != nil {
		return ix, nil
	}
	holder, rev, err := ch.w.store.holder(ctx, ref)
	if err != nil {
		return nil, err
	}
	ix := &indexState{holder: holder, now: holder, rev: rev}
	ch.index[ref] = ix
	return ix, nil
}

// other loads the record of another patient once per change.
func (ch *change) other(ctx context.Context, patient string) (*record, error) {
	if rec := ch.others[patient]; rec != nil {
		return rec, nil
	}
	rec, err := ch.w.store.load(ctx, patient)
	if err != nil {
		return nil, err
	}
	ch.others[patient] = rec
	return rec, nil
}

// records lists the records to write: the patient's first.
func (ch *change) records() []*record {
	out := []*record{ch.own}
	for _, rec := range ch.others {
		if ch.changed[rec] {
			out = append(out, rec)
		} else {
			ch.w.store.release(rec)
		}
	}
	return out
}

// giveBack returns every record read and not written to the cache.
func (ch *change) giveBack() {
	ch.w.store.release(ch.own)
	for _, rec := range ch.others {
		ch.w.store.release(rec)
	}
}

// tidy forgets what no evaluation can read any more, and spreads a grown
// record over more buckets.
func (w *Worker) tidy(rec *record) {
	for _, ref := range rec.facts.PruneObservations(w.eng.Horizon(w.now().UTC())) {
		rec.touched(ref, facts.FactsChanged)
	}
	rec.grow()
}
