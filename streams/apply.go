package streams

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// maxConflicts bounds compare-and-set retries; past it the message is
// retried later as a whole.
const maxConflicts = 16

// applyPatient applies facts to one patient's record and, when decide,
// re-decides the trials for every record whose facts changed; then it
// writes what changed and publishes the events. A resource whose newer
// version names this patient is taken from the patient that held it. A
// conflicting concurrent write re-reads and re-applies.
func (w *Worker) applyPatient(ctx context.Context, patient string, resources []facts.Resource, trigger string, decide bool) error {
	for range maxConflicts {
		ch, err := w.applyOnce(ctx, patient, resources)
		if err != nil {
			return err
		}
		if ch.own.stale && len(resources) > 0 {
			// Facts ahead of the decisions: a writer stopped between its
			// writes. Decide again now.
			ch.changed[ch.own], ch.causes[ch.own] = true, resources[len(resources)-1].Meta().Ref
		}
		if len(ch.changed) == 0 { // nothing new: a redelivery
			for _, rec := range ch.others {
				w.store.release(rec)
			}
			err := w.publishOutboxes(ctx, []*record{ch.own}) // a stopped writer's events
			w.store.release(ch.own)
			return err
		}
		if decide {
			for rec, cause := range ch.causes {
				w.decide(rec, trigger, cause)
			}
		}
		recs := ch.records()
		for _, rec := range recs {
			w.tidy(rec)
		}
		err = ch.commit(ctx, recs)
		if errors.Is(err, errConflict) {
			w.metrics.conflicts.Inc()
			continue
		}
		if err != nil {
			return err
		}
		for _, rec := range recs {
			w.due.set(rec.head.Patient, rec.due())
		}
		err = w.publishOutboxes(ctx, recs)
		w.store.release(recs...)
		return err
	}
	return fmt.Errorf("%s: %d concurrent updates in a row", patientKey(patient), maxConflicts)
}

// commit writes a change in an order that a stop at any point leaves
// consistent, as a redelivery finds it: the records a resource leaves
// first; then the index entries naming this patient as holder; then this
// patient's record; then the index entries of resources nobody holds any
// more. A stale index entry only costs a look at a record that no longer
// holds the resource.
func (ch *change) commit(ctx context.Context, recs []*record) error {
	s := ch.w.store
	for _, rec := range recs[1:] {
		if err := s.commit(ctx, rec); err != nil {
			return err
		}
	}
	for _, pass := range []bool{true, false} {
		for ref, ix := range ch.index {
			if ix.now == ix.holder || (ix.now != "") != pass {
				continue
			}
			if err := s.setHolder(ctx, ref, ix.now, ix.rev); err != nil {
				s.cache.drop(ch.own.key)
				return err
			}
		}
		if pass {
			if err := s.commit(ctx, recs[0]); err != nil {
				return err
			}
		}
	}
	return nil
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
	case from != nil && from.facts.Holds(ref):
		ix.now = from.head.Patient
	default:
		ix.now = ""
	}
	return nil
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

// publishOutboxes publishes every event the records hold (each event's id
// is its Nats-Msg-Id, so a repeat is dropped by the stream), then clears
// the outboxes.
func (w *Worker) publishOutboxes(ctx context.Context, recs []*record) error {
	for _, rec := range recs {
		if rec == nil || len(rec.head.Outbox) == 0 {
			continue
		}
		for _, e := range rec.head.Outbox {
			if err := w.publishEvent(ctx, e); err != nil {
				return err
			}
		}
		rec.head.Outbox, rec.headDirty = nil, true
		if err := w.store.commit(ctx, rec); err != nil {
			// The events are out; a stale outbox is published again under
			// the same ids by the next writer, and the stream drops the
			// repeats.
			w.log.Warn("could not clear outbox", zap.String("patient_key", rec.key), zap.Error(err))
		}
	}
	return nil
}
