package evaluator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(
		&function{name: "exposed_within", args: []argKind{argConcept, argSpan},
			doc:  "an exposure to a drug of the concept overlaps the span up to now",
			impl: func(c *evalContext, a args) tri { return c.exposedWithin(a.str(0), c.span(a.str(1))) }},
		&function{name: "ingredients_exposed_at_least", args: []argKind{argConcept, argNumber, argSpan},
			doc: "at least n distinct ingredients of the concept each have a cumulative exposure of at least span; unknown with no medication data",
			impl: func(c *evalContext, a args) tri {
				return c.ingredientsExposed(a.str(0), int(a.num(1)), c.span(a.str(2)))
			}},
		&function{name: "stable_regimen", args: []argKind{argConcept, argSpan, argSpan},
			doc: "the set of ongoing drugs of the concept is non-empty and unchanged for the first span, with no dose change in the second",
			impl: func(c *evalContext, a args) tri {
				return c.stableRegimen(a.str(0), c.span(a.str(1)), c.span(a.str(2)))
			}},
		&function{name: "steroid_dose_within", args: []argKind{argConcept, argQuantity, argQuantity, argConcept},
			quantityIn: inUnit("mg/d"),
			doc:        "ongoing oral corticosteroids sum to min..max prednisone a day (\"7.5 mg/d\"); below min (or none) is allowed with an ongoing drug of the last concept",
			impl: func(c *evalContext, a args) tri {
				return c.steroidDose(a.str(0), c.thresholdIn(a, 1, "mg/d").value, c.thresholdIn(a, 2, "mg/d").value, a.str(3))
			}},
	)
}

// noMedicationData is the open-world answer when there is no exposure at
// all, to any drug, whether or not a trial names it.
func (c *evalContext) noMedicationData() (tri, bool) {
	first := c.p.FirstMedicationStart()
	if first.IsZero() || first.After(c.asOf) {
		c.changesAt(first)
		return c.record(unknown, "no medication data"), true
	}
	return no, false
}

func (c *evalContext) exposedWithin(concept string, s Span) tri {
	k := c.concept(concept)
	from := s.Before(c.asOf)
	var hits []string
	var exposed []*exposure
	for _, e := range c.ofConcept(c.exposures(), concept) {
		if !e.open && !e.end.After(from) {
			continue
		}
		hits = append(hits, e.refs()...)
		exposed = append(exposed, e)
		if !e.open {
			c.changesAt(s.After(e.end))
		}
	}
	if len(hits) == 0 {
		return c.recordBy(no, func() string { return "no " + k.Title + " " + s.upTo(c.asOf) })
	}
	return c.recordBy(yes, func() string {
		when := make([]string, len(exposed))
		for i, e := range exposed {
			when[i] = e.ingredient + " " + period(e)
		}
		return k.Title + " " + s.upTo(c.asOf) + ": " + strings.Join(when, ", ")
	}, hits...)
}

func period(e *exposure) string {
	switch {
	case e.open:
		return "since " + day(e.start)
	case e.zeroLength():
		return "on " + day(e.start)
	}
	return day(e.start) + " to " + day(e.end)
}

func (c *evalContext) ingredientsExposed(concept string, n int, s Span) tri {
	if t, none := c.noMedicationData(); none {
		return t
	}
	k := c.concept(concept)
	need := s.After(c.asOf).Sub(c.asOf).Hours() / 24
	total := map[string]float64{}
	refs := map[string][]string{}
	var order []string
	ongoing := map[string]bool{}
	for _, e := range c.ofConcept(c.exposures(), concept) {
		if _, seen := total[e.ingredient]; !seen {
			order = append(order, e.ingredient)
		}
		total[e.ingredient] += e.daysUpTo(c.asOf)
		refs[e.ingredient] = append(refs[e.ingredient], e.refs()...)
		ongoing[e.ingredient] = ongoing[e.ingredient] || e.ongoing(c.asOf)
	}
	for _, ing := range order {
		// An ongoing exposure reaches the needed total later by itself.
		if left := need - total[ing]; ongoing[ing] && left > 0 {
			c.changesAt(c.asOf.Add(time.Duration(left * 24 * float64(time.Hour))))
		}
	}
	enough := 0
	var evidence []string
	for _, ing := range order {
		if atLeast(total[ing], need) {
			enough++
			evidence = append(evidence, refs[ing]...)
		}
	}
	summary := func() string {
		out := k.Title + " with >= " + s.String() + " cumulative exposure: " + strconv.Itoa(enough) + " of " + strconv.Itoa(n) + " needed"
		if len(order) == 0 {
			return out
		}
		parts := make([]string, len(order))
		for i, ing := range order {
			parts[i] = ing + " " + num(float64(int(total[ing]))) + " days"
		}
		return out + " (" + strings.Join(parts, ", ") + ")"
	}
	if enough >= n {
		return c.recordBy(yes, summary, evidence...)
	}
	var all []string
	for _, ing := range order {
		all = append(all, refs[ing]...)
	}
	return c.recordBy(no, summary, all...)
}

func (c *evalContext) stableRegimen(concept string, unchanged, doseStable Span) tri {
	if t, none := c.noMedicationData(); none {
		return t
	}
	k := c.concept(concept)
	exps := c.ofConcept(c.exposures(), concept)
	var ongoing []*exposure
	for _, e := range exps {
		if e.ongoing(c.asOf) {
			ongoing = append(ongoing, e)
		}
	}
	if len(ongoing) == 0 {
		return c.recordBy(no, func() string { return "no ongoing " + k.Title + " at " + day(c.asOf) })
	}
	if t, broken := c.regimenChanged(exps, unchanged); broken {
		return t
	}
	return c.doseChanged(ongoing, unchanged, doseStable, k)
}

// regimenChanged: any drug of the set starting or stopping within the span
// breaks it; a zero-length exposure does not count.
func (c *evalContext) regimenChanged(exps []*exposure, s Span) (tri, bool) {
	from := s.Before(c.asOf)
	for _, e := range exps {
		if e.zeroLength() {
			continue
		}
		if e.start.After(from) {
			c.changesAt(s.After(e.start))
			return c.recordBy(no, func() string {
				return e.ingredient + " started " + day(e.start) + ", within the " + s.String() + " up to " + day(c.asOf)
			}, e.refs()...), true
		}
		if !e.open && e.end.After(from) && e.end.Before(c.asOf) {
			c.changesAt(s.After(e.end))
			return c.recordBy(no, func() string {
				return e.ingredient + " stopped " + day(e.end) + ", within the " + s.String() + " up to " + day(c.asOf)
			}, e.refs()...), true
		}
	}
	return no, false
}

func (c *evalContext) doseChanged(ongoing []*exposure, unchanged, s Span, k *compiledConcept) tri {
	from := s.Before(c.asOf)
	var evidence []string
	for _, e := range ongoing {
		evidence = append(evidence, e.refs()...)
		for i := 1; i < len(e.stmts); i++ {
			prev, next := e.stmts[i-1], e.stmts[i]
			if !next.start.After(from) {
				continue
			}
			c.changesAt(s.After(next.start))
			if prev.m.DailyDoseMg == nil || next.m.DailyDoseMg == nil {
				return c.record(unknown, fmt.Sprintf("%s: new record %s with a dose that cannot be compared (%s)", e.ingredient, day(next.start), doseNote(prev, next)), prev.m.Ref, next.m.Ref)
			}
			if !approxEqual(*prev.m.DailyDoseMg, *next.m.DailyDoseMg) {
				return c.record(no, fmt.Sprintf("%s dose changed %s mg/day -> %s mg/day on %s, within the %s up to %s",
					e.ingredient, num(*prev.m.DailyDoseMg), num(*next.m.DailyDoseMg), day(next.start), s, day(c.asOf)), prev.m.Ref, next.m.Ref)
			}
		}
	}
	return c.recordBy(yes, func() string {
		names := make([]string, len(ongoing))
		for i, e := range ongoing {
			names[i] = e.ingredient + " since " + day(e.start)
		}
		return k.Title + " unchanged for " + unchanged.String() + " up to " + day(c.asOf) + " (" + strings.Join(names, ", ") +
			"), no dose change in " + s.String()
	}, evidence...)
}

func doseNote(stmts ...statement) string {
	for _, s := range stmts {
		if s.m.DailyDoseMg == nil {
			return s.m.Ref + ": " + orText(s.m.DoseNote, "dose unknown")
		}
	}
	return ""
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func (c *evalContext) steroidDose(concept string, min, max float64, allowing string) tri {
	if t, none := c.noMedicationData(); none {
		return t
	}
	k, allow := c.concept(concept), c.concept(allowing)
	var steroids, others []*exposure
	for _, e := range c.ofConcept(c.exposures(), concept) {
		if !e.ongoing(c.asOf) {
			continue
		}
		if r := e.current().m.Route; r == "" || r == "oral" {
			steroids = append(steroids, e)
		}
	}
	for _, e := range c.ofConcept(c.exposures(), allowing) {
		if e.ongoing(c.asOf) {
			others = append(others, e)
		}
	}
	withOther := func() string {
		if len(others) == 0 {
			return "no ongoing " + allow.Title
		}
		return "with ongoing " + allow.Title + " (" + others[0].ingredient + ")"
	}
	var otherRefs []string
	if len(others) > 0 {
		otherRefs = others[0].refs()
	}
	if len(steroids) == 0 {
		return c.recordBy(triOf(len(others) > 0), func() string { return "no ongoing oral " + k.Title + ", " + withOther() }, otherRefs...)
	}
	total, parts, unknownDose, refs := c.prednisoneEquivalent(steroids)
	var outcome tri
	var verdict func() string
	switch {
	case unknownDose && above(total, max):
		outcome, verdict = no, func() string { return ": known doses already > " + num(max) }
	case unknownDose:
		outcome, verdict = unknown, func() string { return ": a dose is unknown" }
	case above(total, max):
		outcome, verdict = no, func() string { return " > " + num(max) }
	case below(total, min):
		refs = append(refs, otherRefs...)
		outcome, verdict = triOf(len(others) > 0), func() string { return " < " + num(min) + ", " + withOther() }
	default:
		outcome, verdict = yes, func() string { return " within " + num(min) + "-" + num(max) }
	}
	return c.recordBy(outcome, func() string {
		return "oral " + k.Title + " " + num(round3(total)) + " mg/day prednisone equivalent (" + strings.Join(parts, ", ") + ")" + verdict()
	}, refs...)
}

func (c *evalContext) prednisoneEquivalent(steroids []*exposure) (total float64, parts []string, unknownDose bool, refs []string) {
	for _, e := range steroids {
		cur := e.current()
		refs = append(refs, cur.m.Ref)
		factor := 0.0
		if k := c.concept(e.ingredient); k != nil {
			factor = k.PrednisoneFactor
		}
		switch {
		case cur.m.DailyDoseMg == nil:
			unknownDose = true
			parts = append(parts, e.ingredient+" dose unknown: "+orText(cur.m.DoseNote, "no dose"))
		case factor == 0:
			unknownDose = true
			parts = append(parts, e.ingredient+" has no prednisone equivalent in the trial")
		default:
			total += *cur.m.DailyDoseMg * factor
			parts = append(parts, e.ingredient+" "+num(*cur.m.DailyDoseMg)+" mg/day x "+num(factor))
		}
	}
	return total, parts, unknownDose, refs
}
