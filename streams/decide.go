package streams

import (
	"time"

	"github.com/trialscout/trialscout/evaluator"
)

// decide re-decides the trials for a record whose facts changed, and
// queues an event for each status change. A pending trial (catalog.go) is
// decided only for a record it has already been decided for on full data;
// the others wait for the replay.
func (w *Worker) decide(rec *record, trigger, cause string) {
	now := w.now().UTC()
	active := w.catalog().Active
	loaded := map[string]bool{}
	for _, p := range w.eng.Programs() {
		id, fp := p.Trial().ID, p.Fingerprint()
		loaded[id] = true
		prev := rec.head.Evaluations[id]
		if active[id] != fp && (prev == nil || prev.Fingerprint != fp) {
			continue
		}
		w.decideTrial(rec, id, fp, p.Evaluate(rec.facts, now), trigger, cause, now)
	}
	rec.dropEvaluationsBut(func(id string) bool { return loaded[id] })
}

// decideTrial keeps a trial's new evaluation and queues the event its
// status change makes, if any.
func (w *Worker) decideTrial(rec *record, id, fp string, ev evaluator.Evaluation, trigger, cause string, now time.Time) {
	w.metrics.evaluations.WithLabelValues(id).Inc()
	var prev *evaluator.Evaluation
	if se := rec.head.Evaluations[id]; se != nil {
		prev = &se.Evaluation
	}
	if e, ok := statusEvent(prev, ev, trigger, cause, now); ok {
		rec.queue(e)
	}
	rec.setEvaluation(fp, ev)
}

// statusEvent is the event of a status change from prev (nil: none yet) to
// ev; ok is false when the status did not change.
func statusEvent(prev *evaluator.Evaluation, ev evaluator.Evaluation, trigger, cause string, now time.Time) (Event, bool) {
	changed, changes := evaluator.Diff(prev, &ev)
	if !changed {
		return Event{}, false
	}
	e := Event{Time: now, Trial: ev.Trial, Patient: ev.Patient, Status: ev.Status, Changed: changes, Cause: cause, Evaluation: ev}
	if prev != nil {
		e.PreviousStatus = prev.Status
	}
	e.ID = eventID(trigger, ev.Trial, ev.Patient, e.PreviousStatus, e.Status)
	return e, true
}
