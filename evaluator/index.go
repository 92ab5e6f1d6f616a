package evaluator

import (
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// index is what every pass of one Evaluate reads of the patient, arranged
// once. Passes run at the Evaluate's asOf or later, never earlier.
type index struct {
	// obs holds the usable observations by concept slot, in no order (see
	// latest), without those too old to be read at asOf or later.
	obs [][]*facts.Observation
	// conditions holds the present Conditions by concept, and the other
	// histories are all the patient's, each in reference order.
	conditions map[string][]*facts.Condition
	procedures []*facts.Procedure
	immunized  []*facts.Immunization
	allergies  []*facts.Allergy
}

func (p *Program) newIndex(pt *facts.Patient, asOf time.Time) *index {
	return &index{
		obs:        p.observationsBySlot(pt.Observations, asOf),
		conditions: conditionsByConcept(pt.Conditions),
		procedures: sortedByRef(pt.Procedures),
		immunized:  sortedByRef(pt.Immunizations),
		allergies:  sortedByRef(pt.Allergies),
	}
}

// reachMargin keeps observations this much older than a window's start at
// asOf. A window's start moves forward with time, except that calendar
// spans step back by up to three days at month ends (6mo before Aug 31 is
// Mar 3, before Sep 1 is Mar 1), and a day in another time zone's
// calendar can be an hour longer.
const reachMargin = 7 * 24 * time.Hour

// observationsBySlot buckets the usable observations by concept. One older
// than its concept's window reaches, at asOf less reachMargin, can never be
// the latest in that window at asOf or later: leaving it out keeps the cost
// of an evaluation flat however many old results the store holds.
func (p *Program) observationsBySlot(all map[string]*facts.Observation, asOf time.Time) [][]*facts.Observation {
	by := make([][]*facts.Observation, len(p.slots))
	reach := make([]time.Time, len(p.slots)) // by slot, computed on first use
	for _, o := range all {
		if !usable(o.Status) || o.Effective.IsZero() {
			continue
		}
		for _, name := range o.Concepts {
			k := p.concepts[name]
			if k == nil {
				continue // no rule of this trial reads it
			}
			if k.Window != "" {
				if reach[k.slot].IsZero() {
					reach[k.slot] = k.window.Before(asOf).Add(-reachMargin)
				}
				if !o.Effective.After(reach[k.slot]) {
					continue
				}
			}
			by[k.slot] = append(by[k.slot], o)
		}
	}
	return by
}

func usable(status string) bool {
	return status == "final" || status == "amended" || status == "corrected"
}

func conditionsByConcept(all map[string]*facts.Condition) map[string][]*facts.Condition {
	by := map[string][]*facts.Condition{}
	for _, cond := range sortedByRef(all) {
		if !present(cond.Verification) {
			continue
		}
		for _, c := range cond.Concepts {
			// A concept named twice lists the Condition once.
			if list := by[c]; len(list) == 0 || list[len(list)-1] != cond {
				by[c] = append(list, cond)
			}
		}
	}
	return by
}

// byNewest sorts observations newest first, as newer orders them.
func byNewest(a, b *facts.Observation) int {
	switch {
	case newer(a, b):
		return -1
	case newer(b, a):
		return 1
	}
	return 0
}

// newer orders observations for "latest": effective time, then the later
// meta.lastUpdated, then the larger id.
func newer(a, b *facts.Observation) bool {
	if !a.Effective.Equal(b.Effective) {
		return a.Effective.After(b.Effective)
	}
	if !a.LastUpdated.Equal(b.LastUpdated) {
		return a.LastUpdated.After(b.LastUpdated)
	}
	return a.Ref > b.Ref
}
