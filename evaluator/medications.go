package evaluator

import (
	"fmt"
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
		&function{name: "steroid_dose_within", args: []argKind{argConcept, argNumber, argNumber, argConcept},
			doc: "ongoing oral corticosteroids sum to min..max mg prednisone a day; below min (or none) is allowed with an ongoing drug of the last concept",
			impl: func(c *evalContext, a args) tri {
				return c.steroidDose(a.str(0), a.num(1), a.num(2), a.str(3))
			}},
	)
}

// noMedicationData is the open-world answer when there is no exposure at all.
func (c *evalContext) noMedicationData() (tri, bool) {
	if len(c.exposures()) == 0 {
		return c.record(unknown, "no medication data"), true
	}
	return no, false
}

func (c *evalContext) exposedWithin(concept string, s Span) tri {
	k := c.concept(concept)
	from := s.Before(c.asOf)
	var hits, when []string
	for _, e := range ofConcept(c.exposures(), concept) {
		if !e.open && !e.end.After(from) {
			continue
		}
		hits = append(hits, e.refs()...)
		when = append(when, fmt.Sprintf("%s %s", e.ingredient, period(e)))
		if !e.open {
			c.changesAt(s.After(e.end))
		}
	}
	if len(hits) == 0 {
		return c.record(no, fmt.Sprintf("no %s in the %s up to %s", k.Title, s, day(c.asOf)))
	}
	return c.record(yes, fmt.Sprintf("%s in the %s up to %s: %s", k.Title, s, day(c.asOf), strings.Join(when, ", ")), hits...)
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
	for _, e := range ofConcept(c.exposures(), concept) {
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
	var enough, parts, evidence []string
	for _, ing := range order {
		parts = append(parts, fmt.Sprintf("%s %s days", ing, num(float64(int(total[ing])))))
		if atLeast(total[ing], need) {
			enough = append(enough, ing)
			evidence = append(evidence, refs[ing]...)
		}
	}
	summary := fmt.Sprintf("%s with >= %s cumulative exposure: %d of %d needed", k.Title, s, len(enough), n)
	if len(parts) > 0 {
		summary += " (" + strings.Join(parts, ", ") + ")"
	}
	if len(enough) >= n {
		return c.record(yes, summary, evidence...)
	}
	var all []string
	for _, ing := range order {
		all = append(all, refs[ing]...)
	}
	return c.record(no, summary, all...)
}

func (c *evalContext) stableRegimen(concept string, unchanged, doseStable Span) tri {
	if t, none := c.noMedicationData(); none {
		return t
	}
	k := c.concept(concept)
	exps := ofConcept(c.exposures(), concept)
	var ongoing []*exposure
	for _, e := range exps {
		if e.ongoing(c.asOf) {
			ongoing = append(ongoing, e)
		}
	}
	if len(ongoing) == 0 {
		return c.record(no, fmt.Sprintf("no ongoing %s at %s", k.Title, day(c.asOf)))
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
			return c.record(no, fmt.Sprintf("%s started %s, within the %s up to %s", e.ingredient, day(e.start), s, day(c.asOf)), e.refs()...), true
		}
		if !e.open && e.end.After(from) && e.end.Before(c.asOf) {
			c.changesAt(s.After(e.end))
			return c.record(no, fmt.Sprintf("%s stopped %s, within the %s up to %s", e.ingredient, day(e.end), s, day(c.asOf)), e.refs()...), true
		}
	}
	return no, false
}

func (c *evalContext) doseChanged(ongoing []*exposure, unchanged, s Span, k *compiledConcept) tri {
	from := s.Before(c.asOf)
	var names, evidence []string
	for _, e := range ongoing {
		names = append(names, fmt.Sprintf("%s since %s", e.ingredient, day(e.start)))
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
	return c.record(yes, fmt.Sprintf("%s unchanged for %s up to %s (%s), no dose change in %s", k.Title, unchanged, day(c.asOf), strings.Join(names, ", "), s), evidence...)
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
	for _, e := range ofConcept(c.exposures(), concept) {
		if !e.ongoing(c.asOf) {
			continue
		}
		if r := e.current().m.Route; r == "" || r == "oral" {
			steroids = append(steroids, e)
		}
	}
	for _, e := range ofConcept(c.exposures(), allowing) {
		if e.ongoing(c.asOf) {
			others = append(others, e)
		}
	}
	withOther := fmt.Sprintf("no ongoing %s", allow.Title)
	var otherRefs []string
	if len(others) > 0 {
		withOther = fmt.Sprintf("with ongoing %s (%s)", allow.Title, others[0].ingredient)
		otherRefs = others[0].refs()
	}
	if len(steroids) == 0 {
		return c.record(triOf(len(others) > 0), fmt.Sprintf("no ongoing oral %s, %s", k.Title, withOther), otherRefs...)
	}
	total, parts, unknownDose, refs := c.prednisoneEquivalent(steroids)
	sum := fmt.Sprintf("oral %s %s mg/day prednisone equivalent (%s)", k.Title, num(round3(total)), strings.Join(parts, ", "))
	switch {
	case unknownDose && above(total, max):
		return c.record(no, sum+fmt.Sprintf(": known doses already > %s", num(max)), refs...)
	case unknownDose:
		return c.record(unknown, sum+": a dose is unknown", refs...)
	case above(total, max):
		return c.record(no, sum+fmt.Sprintf(" > %s", num(max)), refs...)
	case below(total, min):
		return c.record(triOf(len(others) > 0), sum+fmt.Sprintf(" < %s, %s", num(min), withOther), append(refs, otherRefs...)...)
	}
	return c.record(yes, sum+fmt.Sprintf(" within %s-%s", num(min), num(max)), refs...)
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
			parts = append(parts, fmt.Sprintf("%s dose unknown: %s", e.ingredient, orText(cur.m.DoseNote, "no dose")))
		case factor == 0:
			unknownDose = true
			parts = append(parts, fmt.Sprintf("%s has no prednisone equivalent in the trial", e.ingredient))
		default:
			total += *cur.m.DailyDoseMg * factor
			parts = append(parts, fmt.Sprintf("%s %s mg/day x %s", e.ingredient, num(*cur.m.DailyDoseMg), num(factor)))
		}
	}
	return total, parts, unknownDose, refs
}
