package workspace

import (
	"slices"
	"strings"
	"sync"

	"github.com/trialscout/trialscout/evaluator"
)

// HistoryLimit is how many status changes the read model keeps per patient.
const HistoryLimit = 50

// sentLimit is how many decisions sent from this workspace a patient page lists.
const sentLimit = 20

// ReadModel is what the pages show, kept current from the state and the
// event stream. It is safe for concurrent use.
type ReadModel struct {
	mu       sync.RWMutex
	trials   []*trialView
	byID     map[string]*trialView
	patients map[string]*patientEntry
}

// patientEntry is one patient: the latest evaluation per trial, the status
// history and the decisions sent from here.
type patientEntry struct {
	id      string
	lower   string
	byTrial map[string]*entry
	order   []string // trial ids in the order of the last Put
	history []Transition
	sent    []Decision
}

// NewReadModel returns an empty read model for the trials, in the order the
// pages list them.
func NewReadModel(trials []evaluator.Trial) *ReadModel {
	rm := &ReadModel{byID: map[string]*trialView{}, patients: map[string]*patientEntry{}}
	for _, t := range trials {
		if _, dup := rm.byID[t.ID]; dup {
			continue
		}
		tv := newTrialView(t)
		rm.trials = append(rm.trials, tv)
		rm.byID[t.ID] = tv
	}
	return rm
}

// Put replaces a patient's evaluations with ps: the old ones' contribution to
// the counts, funnel and worklists is taken out and the new one's added. A
// trial missing from ps no longer lists the patient. The model keeps ps's
// evaluations: the caller must not modify them afterwards. What the query
// methods return is the caller's own.
func (rm *ReadModel) Put(ps PatientState) {
	entries := make([]*entry, 0, len(ps.Evaluations))
	for _, ev := range ps.Evaluations {
		entries = append(entries, deriveEntry(rm.byID[ev.Trial], ps.Patient, ev))
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	pe := rm.patient(ps.Patient)
	next := make(map[string]*entry, len(entries))
	order := make([]string, 0, len(entries))
	for i, e := range entries {
		trial := ps.Evaluations[i].Trial
		if _, dup := next[trial]; !dup {
			order = append(order, trial)
		}
		next[trial] = e
	}
	for trial, old := range pe.byTrial {
		if next[trial] == nil {
			rm.trialOf(trial).replace(old, nil)
		}
	}
	for trial, e := range next {
		rm.trialOf(trial).replace(pe.byTrial[trial], e)
	}
	pe.byTrial, pe.order = next, order
}

// Remove forgets a patient: evaluations, history and sent decisions.
func (rm *ReadModel) Remove(patient string) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	pe := rm.patients[patient]
	if pe == nil {
		return
	}
	rm.dropEvaluations(pe)
	delete(rm.patients, patient)
}

// AddTransition adds a status change to its patient's history, which keeps
// the latest HistoryLimit in time order. An event id already held is ignored
// (a redelivered event).
func (rm *ReadModel) AddTransition(t Transition) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	pe := rm.patient(t.Patient)
	for _, h := range pe.history {
		if t.EventID != "" && h.EventID == t.EventID {
			return
		}
	}
	at, _ := slices.BinarySearchFunc(pe.history, t, func(h, t Transition) int {
		if h.Time.After(t.Time) {
			return 1
		}
		return -1 // equal times keep arrival order
	})
	pe.history = slices.Insert(pe.history, at, t)
	if n := len(pe.history); n > HistoryLimit {
		pe.history = slices.Delete(pe.history, 0, n-HistoryLimit)
	}
}

// noteSent remembers a decision sent from this workspace, for its patient's page.
func (rm *ReadModel) noteSent(d Decision) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	pe := rm.patient(d.Patient)
	pe.sent = append(pe.sent, d)
	if n := len(pe.sent); n > sentLimit {
		pe.sent = slices.Delete(pe.sent, 0, n-sentLimit)
	}
}

// patient returns the patient's entry, creating it. Callers hold mu.
func (rm *ReadModel) patient(id string) *patientEntry {
	pe := rm.patients[id]
	if pe == nil {
		pe = &patientEntry{id: id, lower: strings.ToLower(id), byTrial: map[string]*entry{}}
		rm.patients[id] = pe
	}
	return pe
}

// dropEvaluations takes a patient's evaluations out of every trial. Callers hold mu.
func (rm *ReadModel) dropEvaluations(pe *patientEntry) {
	for trial, e := range pe.byTrial {
		rm.trialOf(trial).replace(e, nil)
	}
	clear(pe.byTrial)
	pe.order = nil
}

// trialOf returns the trial's view, or nil (whose methods do nothing) for a
// trial the model does not know.
func (rm *ReadModel) trialOf(id string) *trialView { return rm.byID[id] }
