package evaluator

import (
	"slices"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Facts hold codes as sent; each trial reads them with its own vocabulary.
// What a trial makes of one fact is worked out once and kept with the
// patient (facts.Patient.Memo) until the fact changes, so an evaluation
// costs in proportion to what changed, not to the patient's history.

// slots are the concepts (by slot) a fact means to a trial, sorted.
type slots []int

func (s slots) has(slot int) bool {
	_, ok := slices.BinarySearch(s, slot)
	return ok
}

// obsReading is what a trial makes of an Observation: its code's concepts
// and each component's, and a view of each component that means some
// concept.
type obsReading struct {
	code  slots
	comps []slots
	views []read[*facts.Observation]
}

// componentView reads component i of o as an Observation of its own: its
// codes and value, with o's identity, status and time. A systolic pressure
// sent inside a blood pressure panel is then an SBP result like any other,
// and its evidence is the panel. A component has no interpretation or
// reference range of its own here (fhirmap does not keep them).
func componentView(o *facts.Observation, i int) *facts.Observation {
	comp := o.Components[i]
	return &facts.Observation{Meta: o.Meta, Codes: comp.Codes, Status: o.Status, Effective: o.Effective, Value: comp.Value}
}

// medReading is what a trial makes of a medication record: its concepts
// and, among them, its ingredients.
type medReading struct {
	concepts    slots
	ingredients []string
}

// slotsOf turns concept names (from the trial's vocabulary) into slots.
func (p *Program) slotsOf(names []string) slots {
	if len(names) == 0 {
		return nil
	}
	out := make(slots, 0, len(names))
	for _, n := range names {
		if k := p.concepts[n]; k != nil {
			out = append(out, k.slot)
		}
	}
	slices.Sort(out)
	return out
}

func (p *Program) readObservation(pt *facts.Patient, o *facts.Observation) obsReading {
	return pt.Memo(p, o.Ref, func() any {
		r := obsReading{code: p.slotsOf(p.vocab.MatchCodes(o.Codes))}
		if len(o.Components) > 0 {
			r.comps = make([]slots, len(o.Components))
			for i, comp := range o.Components {
				r.comps[i] = p.slotsOf(p.vocab.MatchCodes(comp.Codes))
				if len(r.comps[i]) > 0 {
					r.views = append(r.views, read[*facts.Observation]{componentView(o, i), r.comps[i]})
				}
			}
		}
		return r
	}).(obsReading)
}

func (p *Program) readCondition(pt *facts.Patient, c *facts.Condition) slots {
	return pt.Memo(p, c.Ref, func() any { return p.slotsOf(p.vocab.Match(c.Codes, c.Text)) }).(slots)
}

func (p *Program) readMedication(pt *facts.Patient, m *facts.Medication) medReading {
	return pt.Memo(p, m.Ref, func() any {
		names := p.vocab.Match(m.Codes, m.Texts...)
		return medReading{concepts: p.slotsOf(names), ingredients: p.vocab.Ingredients(names)}
	}).(medReading)
}

func (p *Program) readImmunization(pt *facts.Patient, im *facts.Immunization) slots {
	return pt.Memo(p, im.Ref, func() any { return p.slotsOf(p.vocab.Match(im.Codes, im.Text)) }).(slots)
}

func (p *Program) readProcedure(pt *facts.Patient, pr *facts.Procedure) slots {
	return pt.Memo(p, pr.Ref, func() any { return p.slotsOf(p.vocab.Match(pr.Codes, pr.Text)) }).(slots)
}

func (p *Program) readAllergy(pt *facts.Patient, a *facts.Allergy) slots {
	return pt.Memo(p, a.Ref, func() any { return p.slotsOf(p.vocab.Match(a.Codes, a.Texts...)) }).(slots)
}

// readEncounter is what the trial makes of an Encounter's reason codes and
// texts (the Conditions it names are read as Conditions).
func (p *Program) readEncounter(pt *facts.Patient, e *facts.Encounter) slots {
	return pt.Memo(p, e.Ref, func() any { return p.slotsOf(p.vocab.Match(e.ReasonCodes, e.ReasonTexts...)) }).(slots)
}

// read pairs a fact with what the trial makes of it.
type read[T any] struct {
	fact  T
	slots slots
}
