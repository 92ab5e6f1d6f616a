package evaluator

import (
	"fmt"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Histories are closed-world: no record found means false.

func init() {
	register(
		&function{name: "has_condition", args: []argKind{argConcept},
			doc:  "a present (not refuted, not entered-in-error) Condition of the concept, ever",
			impl: func(c *evalContext, a args) tri { return c.hasCondition(a.str(0)) }},
		&function{name: "active_condition", args: []argKind{argConcept},
			doc:  "a present Condition of the concept that is active, recurrent or relapsed",
			impl: func(c *evalContext, a args) tri { return c.activeCondition(a.str(0)) }},
		&function{name: "condition_since", args: []argKind{argConcept, argSpan},
			doc:  "the earliest start of a present Condition of the concept is at least span before now",
			impl: func(c *evalContext, a args) tri { return c.conditionSince(a.str(0), c.span(a.str(1))) }},
		&function{name: "condition_within", args: []argKind{argConcept, argSpan},
			doc:  "a present Condition of the concept started, or was active, within the span up to now",
			impl: func(c *evalContext, a args) tri { return c.conditionWithin(a.str(0), c.span(a.str(1))) }},
		&function{name: "procedure_ever", args: []argKind{argConcept},
			doc:  "a completed Procedure of the concept, ever",
			impl: func(c *evalContext, a args) tri { return c.procedure(a.str(0), nil) }},
		&function{name: "procedure_within", args: []argKind{argConcept, argSpan},
			doc: "a completed Procedure of the concept within the span up to now",
			impl: func(c *evalContext, a args) tri {
				s := c.span(a.str(1))
				return c.procedure(a.str(0), &s)
			}},
		&function{name: "immunized_within", args: []argKind{argConcept, argSpan},
			doc:  "a completed Immunization of the concept within the span up to now",
			impl: func(c *evalContext, a args) tri { return c.immunizedWithin(a.str(0), c.span(a.str(1))) }},
		&function{name: "allergic_to", args: []argKind{argConcept},
			doc:  "a present AllergyIntolerance to the concept",
			impl: func(c *evalContext, a args) tri { return c.allergicTo(a.str(0)) }},
		&function{name: "severe_allergy", args: []argKind{},
			doc:  "a present AllergyIntolerance of high criticality or with a severe reaction",
			impl: func(c *evalContext, a args) tri { return c.severeAllergy() }},
		&function{name: "unknown_if", args: []argKind{argBool, argString},
			doc:  "unknown, with the note as reason, when the sub-rule holds; false otherwise",
			impl: func(c *evalContext, a args) tri { return c.unknownIf(a.bool(0), a.str(1)) }},
	)
}

// span resolves a span argument the compiler already checked.
func (c *evalContext) span(s string) Span {
	if v, ok := c.prog.trial.Parameters[s]; ok {
		s = v
	}
	sp, _ := ParseSpan(s)
	return sp
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func present(verification string) bool {
	return verification != "refuted" && verification != "entered-in-error"
}

// conditions returns the present Conditions of a concept in reference
// order. The slice is shared: callers must not change it.
func (c *evalContext) conditions(concept string) []*facts.Condition {
	return c.idx.conditions[c.concept(concept).slot]
}

// start is a Condition's start: onset, else birthDate + onsetAge, else recordedDate.
func (c *evalContext) start(cond *facts.Condition) time.Time {
	if !cond.Onset.IsZero() {
		return cond.Onset
	}
	if cond.OnsetAge != nil && c.p.Demographics != nil && !c.p.Demographics.BirthDate.IsZero() {
		if t, ok := addAge(c.p.Demographics.BirthDate, *cond.OnsetAge); ok {
			return t
		}
	}
	return cond.Recorded
}

// addAge adds an onsetAge quantity (UCUM a, mo, wk, d) to a birth date.
func addAge(birth time.Time, q facts.Quantity) (time.Time, bool) {
	n := int(q.Value)
	switch strings.ToLower(q.Unit) {
	case "a", "yr", "year", "years":
		return birth.AddDate(n, 0, 0), true
	case "mo", "month", "months":
		return birth.AddDate(0, n, 0), true
	case "wk", "week", "weeks":
		return birth.AddDate(0, 0, 7*n), true
	case "d", "day", "days":
		return birth.AddDate(0, 0, n), true
	}
	return time.Time{}, false
}

func active(cond *facts.Condition) bool {
	switch cond.Clinical {
	case "active", "recurrence", "relapse":
		return true
	case "":
		return !cond.Abated
	}
	return false
}

func (c *evalContext) hasCondition(concept string) tri {
	k := c.concept(concept)
	conds := c.conditions(concept)
	if len(conds) == 0 {
		return c.recordBy(no, func() string { return "no " + k.Title + " condition on record" })
	}
	return c.recordBy(yes, func() string { return k.Title + " on record (" + conditionNames(conds) + ")" }, refsOf(conds)...)
}

func (c *evalContext) activeCondition(concept string) tri {
	k := c.concept(concept)
	var act []*facts.Condition
	for _, cond := range c.conditions(concept) {
		if active(cond) {
			act = append(act, cond)
		}
	}
	if len(act) == 0 {
		return c.recordBy(no, func() string { return "no active " + k.Title + " condition on record" })
	}
	return c.recordBy(yes, func() string { return "active " + k.Title + " (" + conditionNames(act) + ")" }, refsOf(act)...)
}

func (c *evalContext) conditionSince(concept string, s Span) tri {
	k := c.concept(concept)
	conds := c.conditions(concept)
	if len(conds) == 0 {
		return c.recordBy(no, func() string { return "no " + k.Title + " condition on record" })
	}
	var earliest time.Time
	var from *facts.Condition
	for _, cond := range conds {
		if st := c.start(cond); !st.IsZero() && (earliest.IsZero() || st.Before(earliest)) {
			earliest, from = st, cond
		}
	}
	if from == nil {
		return c.record(unknown, fmt.Sprintf("%s has no onset or recorded date", k.Title), refsOf(conds)...)
	}
	limit := s.Before(c.asOf)
	if earliest.After(limit) {
		c.changesAt(s.After(earliest))
		return c.recordBy(no, func() string {
			return k.Title + " since " + day(earliest) + ", less than " + s.String() + " before " + day(c.asOf)
		}, from.Ref)
	}
	return c.recordBy(yes, func() string {
		return k.Title + " since " + day(earliest) + ", at least " + s.String() + " before " + day(c.asOf)
	}, from.Ref)
}

// conditionWithin: the start falls in (now-span, now], or the active span
// (start to abatement, or to now while active) overlaps it. An inactive
// Condition with no abatement spans its start only.
func (c *evalContext) conditionWithin(concept string, s Span) tri {
	k := c.concept(concept)
	from := s.Before(c.asOf)
	var hits []*facts.Condition
	var starts []time.Time
	for _, cond := range c.conditions(concept) {
		st := c.start(cond)
		end := st
		if !cond.Abatement.IsZero() {
			end = cond.Abatement
		} else if active(cond) {
			end = c.asOf
		}
		if st.After(c.asOf) {
			c.changesAt(st) // recorded ahead of time: it counts from its onset
			continue
		}
		if st.IsZero() || !end.After(from) {
			continue
		}
		hits = append(hits, cond)
		starts = append(starts, st)
		if !end.Equal(c.asOf) { // abated, or to abate: it leaves the span after
			c.changesAt(s.After(end))
		}
	}
	return c.recordConditions(func() string { return k.Title + " " + s.upTo(c.asOf) }, hits, starts)
}

// recordConditions records whether Conditions were found for a rule that
// says what (a concept's title and span; made only when the reason is):
// "no <what>", or "<what> (<display> from <day>, ...)" with the Conditions
// as evidence.
func (c *evalContext) recordConditions(what func() string, hits []*facts.Condition, starts []time.Time) tri {
	if len(hits) == 0 {
		return c.recordBy(no, func() string { return "no " + what() })
	}
	return c.recordBy(yes, func() string {
		when := make([]string, len(hits))
		for i, cond := range hits {
			when[i] = cond.Display + " from " + day(starts[i])
		}
		return what() + " (" + strings.Join(when, ", ") + ")"
	}, refsOf(hits)...)
}

func conditionNames(conds []*facts.Condition) string {
	var names []string
	for _, c := range conds {
		names = append(names, c.Display)
	}
	return strings.Join(names, ", ")
}

func refsOf[T interface{ Reference() string }](list []T) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, x.Reference())
	}
	return out
}

func (c *evalContext) procedure(concept string, within *Span) tri {
	k := c.concept(concept)
	var hits []string
	for _, pr := range c.idx.procedures {
		p := pr.fact
		if !pr.slots.has(k.slot) || p.Status != "completed" {
			continue
		}
		if within != nil {
			at := p.Performed
			if at.After(c.asOf) {
				c.changesAt(at) // dated ahead: it counts from then
				continue
			}
			if at.IsZero() || !at.After(within.Before(c.asOf)) {
				continue
			}
			c.changesAt(within.After(at))
		}
		hits = append(hits, p.Ref)
	}
	scope := func() string {
		if within == nil {
			return "on record"
		}
		return within.upTo(c.asOf)
	}
	if len(hits) == 0 {
		return c.recordBy(no, func() string { return "no " + k.Title + " procedure " + scope() })
	}
	return c.recordBy(yes, func() string { return k.Title + " procedure " + scope() }, hits...)
}

func (c *evalContext) immunizedWithin(concept string, s Span) tri {
	k := c.concept(concept)
	from := s.Before(c.asOf)
	var hits []string
	var given []*facts.Immunization
	for _, ir := range c.idx.immunized {
		im := ir.fact
		at := im.Occurrence
		if !ir.slots.has(k.slot) || im.Status != "completed" || at.IsZero() {
			continue
		}
		if at.After(c.asOf) {
			c.changesAt(at) // dated ahead: it counts from then
			continue
		}
		if !at.After(from) {
			continue
		}
		hits = append(hits, im.Ref)
		given = append(given, im)
		c.changesAt(s.After(at))
	}
	if len(hits) == 0 {
		return c.recordBy(no, func() string { return "no " + k.Title + " " + s.upTo(c.asOf) })
	}
	return c.recordBy(yes, func() string {
		when := make([]string, len(given))
		for i, im := range given {
			when[i] = im.Display + " on " + day(im.Occurrence)
		}
		return k.Title + " " + s.upTo(c.asOf) + ": " + strings.Join(when, ", ")
	}, hits...)
}

func (c *evalContext) allergicTo(concept string) tri {
	k := c.concept(concept)
	var hits, names []string
	for _, ar := range c.idx.allergies {
		al := ar.fact
		if ar.slots.has(k.slot) && present(al.Verification) {
			hits = append(hits, al.Ref)
			names = append(names, al.Display)
		}
	}
	if len(hits) == 0 {
		return c.recordBy(no, func() string { return "no allergy to " + k.Title + " on record" })
	}
	return c.recordBy(yes, func() string { return "allergy to " + k.Title + " (" + strings.Join(names, ", ") + ")" }, hits...)
}

func (c *evalContext) severeAllergy() tri {
	var hits, names []string
	for _, ar := range c.idx.allergies {
		al := ar.fact
		if present(al.Verification) && (al.Criticality == "high" || al.Severe) {
			hits = append(hits, al.Ref)
			names = append(names, al.Display)
		}
	}
	if len(hits) == 0 {
		return c.record(no, "no high-criticality or severe allergy on record")
	}
	return c.recordBy(yes, func() string { return "severe allergy (" + strings.Join(names, ", ") + ")" }, hits...)
}

// unknownIf turns a finding that needs a person into unknown: the sub-rule's
// own evidence is kept under the note.
func (c *evalContext) unknownIf(holds bool, note string) tri {
	if !holds {
		return no
	}
	var evidence []string
	if n := len(c.findings); n > 0 && c.findings[n-1].outcome == yes {
		evidence = c.findings[n-1].evidence
		note = c.findings[n-1].reason + ": " + note
	}
	return c.record(unknown, note, evidence...)
}
