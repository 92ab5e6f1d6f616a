package evaluator

import (
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Hospital stays. An Encounter counts as a stay when its class is
// inpatient (facts.InpatientClass) and it took place: not planned,
// cancelled or entered in error. It is for a concept when a reason code is
// of the concept, or a Condition it names as its reason or diagnosis (found
// among the patient's Conditions) is. Histories are closed-world: no stay
// found is false.

func init() {
	register(&function{name: "hospitalized_for", args: []argKind{argConcept, argSpan},
		doc:  "an inpatient Encounter whose reason (reasonCode, reasonReference or diagnosis) is of the concept overlaps the span up to now",
		impl: func(c *evalContext, a args) tri { return c.hospitalizedFor(a.str(0), c.span(a.str(1))) }})
}

// stay is one hospital stay found, with the Condition that made it count.
type stay struct {
	e    *facts.Encounter
	cond *facts.Condition // nil when a reason code did
	end  time.Time        // the period's end, or now when ongoing
}

func (c *evalContext) hospitalizedFor(concept string, s Span) tri {
	k := c.concept(concept)
	from := s.Before(c.asOf)
	var stays []stay
	for _, er := range c.idx.encounters {
		e := er.fact
		if !facts.InpatientClass(e.Class) || !tookPlace(e.Status) || e.Start.IsZero() {
			continue
		}
		if e.Start.After(c.asOf) {
			c.changesAt(e.Start) // dated ahead: it counts from then
			continue
		}
		end := e.End
		if end.IsZero() || end.After(c.asOf) {
			end = c.asOf // still in hospital
		}
		if !end.After(from) {
			continue
		}
		cond, ok := c.stayReason(er, k)
		if !ok {
			continue
		}
		if !end.Equal(c.asOf) {
			c.changesAt(s.After(end))
		} else if !e.End.IsZero() {
			c.changesAt(e.End) // discharged ahead: the span ends then
		}
		stays = append(stays, stay{e, cond, end})
	}
	if len(stays) == 0 {
		return c.recordBy(no, func() string { return "no hospital stay for " + k.Title + " " + s.upTo(c.asOf) })
	}
	var evidence []string
	for _, st := range stays {
		evidence = append(evidence, st.e.Ref)
		if st.cond != nil {
			evidence = append(evidence, st.cond.Ref)
		}
	}
	return c.recordBy(yes, func() string {
		parts := make([]string, len(stays))
		for i, st := range stays {
			parts[i] = st.describe(k, c.asOf)
		}
		return "hospital stay for " + k.Title + " " + s.upTo(c.asOf) + ": " + strings.Join(parts, ", ")
	}, evidence...)
}

// tookPlace reports whether an Encounter's status says it happened (or is
// happening).
func tookPlace(status string) bool {
	return status != "planned" && status != "cancelled" && status != "entered-in-error"
}

// stayReason tells whether the stay is for the concept: a reason code of
// it, or a named Condition of it (whose own status does not matter: it is
// what the stay was for).
func (c *evalContext) stayReason(er read[*facts.Encounter], k *compiledConcept) (*facts.Condition, bool) {
	if er.slots.has(k.slot) {
		return nil, true
	}
	for _, ref := range er.fact.Conditions {
		if cond := c.p.Conditions[ref]; cond != nil && c.prog.readCondition(c.p, cond).has(k.slot) {
			return cond, true
		}
	}
	return nil, false
}

func (st stay) describe(k *compiledConcept, asOf time.Time) string {
	when := day(st.e.Start) + " to " + day(st.end)
	if st.e.End.IsZero() || st.e.End.After(asOf) {
		when = "since " + day(st.e.Start)
	}
	why := k.Title
	switch {
	case st.cond != nil && st.cond.Display != "":
		why = st.cond.Display
	case len(st.e.ReasonTexts) > 0:
		why = st.e.ReasonTexts[0]
	}
	return when + " (" + why + ")"
}
