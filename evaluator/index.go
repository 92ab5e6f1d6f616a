package evaluator

import (
	"slices"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// index is what every pass of one Evaluate reads of the patient, arranged
// once. Passes run at the Evaluate's asOf or later, never earlier.
type index struct {
	// obs holds the usable observations by concept slot, in no order (see
	// latest), without those too old to be read at asOf or later.
	obs [][]*facts.Observation
	// obsRead is what the trial makes of each indexed observation.
	obsRead map[*facts.Observation]obsReading
	// conditions holds the present Conditions by concept slot, and the
	// other histories are all the patient's, each in reference order with
	// what the trial makes of them.
	conditions [][]*facts.Condition
	procedures []read[*facts.Procedure]
	immunized  []read[*facts.Immunization]
	allergies  []read[*facts.Allergy]
	encounters []read[*facts.Encounter]
	meds       []read[*facts.Medication]
	ingredient map[*facts.Medication][]string
	// decided holds the people's decisions on the trial's criteria.
	decided map[string]*facts.Decision
}

func (p *Program) newIndex(pt *facts.Patient, asOf time.Time) *index {
	ix := &index{
		obsRead:    map[*facts.Observation]obsReading{},
		conditions: make([][]*facts.Condition, len(p.slots)),
		ingredient: map[*facts.Medication][]string{},
	}
	ix.obs = p.observationsBySlot(pt, ix, asOf)
	p.conditionsBySlot(pt, ix)
	ix.procedures = readAll(pt.Procedures, func(x *facts.Procedure) slots { return p.readProcedure(pt, x) }, false)
	ix.immunized = readAll(pt.Immunizations, func(x *facts.Immunization) slots { return p.readImmunization(pt, x) }, false)
	// Every allergy is listed: severity alone can decide a criterion.
	ix.allergies = readAll(pt.Allergies, func(x *facts.Allergy) slots { return p.readAllergy(pt, x) }, true)
	// Every encounter is listed: a stay counts through the Conditions it names.
	ix.encounters = readAll(pt.Encounters, func(x *facts.Encounter) slots { return p.readEncounter(pt, x) }, true)
	ix.meds = readAll(pt.Medications, func(x *facts.Medication) slots {
		r := p.readMedication(pt, x)
		ix.ingredient[x] = r.ingredients
		return r.concepts
	}, false)
	return ix
}

// reachMargin keeps observations this much older than a window's start at
// asOf. A window's start moves forward with time, except that calendar
// spans step back by up to three days at month ends (6mo before Aug 31 is
// Mar 3, before Sep 1 is Mar 1), and a day in another time zone's
// calendar can be an hour longer.
const reachMargin = 7 * 24 * time.Hour

// observationsBySlot buckets the usable observations by concept, and the
// components that mean a concept as observations of their own
// (componentView). One older than its concept's reach (its window, or the
// longest span a rule reads it over) at asOf less reachMargin can never be
// read at asOf or later: leaving it out keeps the cost of an evaluation
// flat however many old results the store holds.
func (p *Program) observationsBySlot(pt *facts.Patient, ix *index, asOf time.Time) [][]*facts.Observation {
	by := make([][]*facts.Observation, len(p.slots))
	reach := make([]time.Time, len(p.slots)) // by slot, computed on first use
	add := func(o *facts.Observation, s slots) {
		for _, slot := range s {
			if k := p.slots[slot]; k.reach != nil {
				if reach[slot].IsZero() {
					reach[slot] = k.reach.Before(asOf).Add(-reachMargin)
				}
				if !o.Effective.After(reach[slot]) {
					continue
				}
			}
			by[slot] = append(by[slot], o)
		}
	}
	for _, o := range pt.Observations {
		if !usable(o.Status) || o.Effective.IsZero() {
			continue
		}
		r := p.readObservation(pt, o)
		if len(r.code) == 0 && len(r.views) == 0 {
			continue
		}
		ix.obsRead[o] = r
		add(o, r.code)
		for _, v := range r.views {
			ix.obsRead[v.fact] = obsReading{code: v.slots}
			add(v.fact, v.slots)
		}
	}
	return by
}

func usable(status string) bool {
	return status == "final" || status == "amended" || status == "corrected"
}

func (p *Program) conditionsBySlot(pt *facts.Patient, ix *index) {
	for _, cond := range sortedByRef(pt.Conditions) {
		if !present(cond.Verification) {
			continue
		}
		for _, slot := range p.readCondition(pt, cond) {
			ix.conditions[slot] = append(ix.conditions[slot], cond)
		}
	}
}

// readAll lists a history in reference order with what the trial makes of
// each record, leaving out (unless all) those it makes nothing of.
func readAll[T interface{ Reference() string }](m map[string]T, readOne func(T) slots, all bool) []read[T] {
	out := make([]read[T], 0, len(m))
	for _, x := range m {
		if s := readOne(x); all || len(s) > 0 {
			out = append(out, read[T]{x, s})
		}
	}
	slices.SortFunc(out, func(a, b read[T]) int { return strings.Compare(a.fact.Reference(), b.fact.Reference()) })
	return out
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
