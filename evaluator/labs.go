package evaluator

import (
	"fmt"
	"strings"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// The latest-result functions: each reads the latest result of a concept in
// its window (or in the span given as the last argument), in the concept's
// unit, and compares it with a threshold written with its unit. No result
// is unknown: tests and measurements are open-world.

func init() {
	register(
		labCompare("lab_at_least", ">=", atLeast),
		labCompare("lab_above", ">", above),
		labCompare("lab_at_most", "<=", atMost),
		labCompare("lab_below", "<", below),
		&function{name: "lab_between", args: []argKind{argConcept, argQuantity, argQuantity, argSpan}, optional: 1,
			windowed: true, quantityIn: conceptArg,
			doc: "the latest result in the concept's window (or the span) is within low..high, both included",
			impl: func(c *evalContext, a args) tri {
				k := c.concept(a.str(0))
				return c.labBetween(k, c.windowOf(k, a, 3), c.threshold(a, 1, k), c.threshold(a, 2, k))
			}},
		&function{name: "lab_within_uln", args: []argKind{argConcept, argNumber},
			doc:  "the latest result is at most factor x its upper limit of normal",
			impl: func(c *evalContext, a args) tri { return c.withinULN(a.str(0), a.num(1)) }},
		&function{name: "each_lab_within_uln", args: []argKind{argConcepts, argNumber},
			doc:  "every concept with a result is within factor x ULN, and at least one has a result",
			impl: func(c *evalContext, a args) tri { return c.eachWithinULN(a.strs(0), a.num(1)) }},
		&function{name: "lab_below_lln", args: []argKind{argConcept},
			doc:  "the latest result is below its lower limit of normal (or flagged L/LL)",
			impl: func(c *evalContext, a args) tri { return c.belowLLN(a.str(0)) }},
	)
}

func labCompare(name, op string, cmp func(v, x float64) bool) *function {
	return &function{name: name, args: []argKind{argConcept, argQuantity, argSpan}, optional: 1,
		windowed: true, quantityIn: conceptArg,
		doc: "the latest result in the concept's window (or the span), in its unit, is " + op + " the threshold",
		impl: func(c *evalContext, a args) tri {
			k := c.concept(a.str(0))
			m, ok := c.latestMeasure(k, c.windowOf(k, a, 2))
			if !ok {
				return unknown
			}
			x := c.threshold(a, 1, k)
			return c.compared(m, op, cmp, x)
		}}
}

// compared records a measure against a threshold.
func (c *evalContext) compared(m measure, op string, cmp func(v, x float64) bool, x threshold) tri {
	ok := cmp(m.v, x.value)
	shown := op
	if !ok {
		shown = negate[op]
	}
	return c.recordBy(triOf(ok), func() string { return m.shown() + " " + shown + " " + x.shown }, m.evidence...)
}

var negate = map[string]string{">=": "<", ">": "<=", "<=": ">", "<": ">="}

func (c *evalContext) labBetween(k *compiledConcept, w *Span, low, high threshold) tri {
	m, ok := c.latestMeasure(k, w)
	if !ok {
		return unknown
	}
	switch {
	case below(m.v, low.value):
		return c.recordBy(no, func() string { return m.shown() + " < " + low.shown }, m.evidence...)
	case above(m.v, high.value):
		return c.recordBy(no, func() string { return m.shown() + " > " + high.shown }, m.evidence...)
	}
	return c.recordBy(yes, func() string { return m.shown() + " within " + low.shown + " to " + high.shown }, m.evidence...)
}

// concept returns a concept the compiler already checked exists.
func (c *evalContext) concept(name string) *compiledConcept { return c.prog.concepts[name] }

// withinULN compares the latest result with factor x ULN: the result's own
// reference high, else the concept's default.
func (c *evalContext) withinULN(name string, factor float64) tri {
	k := c.concept(name)
	o, v, ok := c.latestQuantity(k, k.windowSpan())
	if !ok {
		return unknown
	}
	uln, byDefault, err := c.limit(o, k, o.RefHigh, k.ULN)
	if err != nil {
		return c.record(unknown, err.Error(), o.Ref)
	}
	ok = atMost(v, factor*uln)
	op := "<="
	if !ok {
		op = ">"
	}
	return c.recordBy(triOf(ok), func() string {
		return k.Title + " " + k.shownValue(v, o.Value.Quantity) + " on " + day(o.Effective) + " " + op + " " +
			num(factor) + " x ULN " + num(round3(uln)) + defaultNote(byDefault)
	}, o.Ref)
}

func defaultNote(byDefault bool) string {
	if byDefault {
		return " (trial default; the result has no reference range)"
	}
	return ""
}

func (c *evalContext) eachWithinULN(names []string, factor float64) tri {
	found := 0
	result := yes
	for _, name := range names {
		k := c.concept(name)
		if c.latest(k, k.windowSpan()) == nil {
			continue
		}
		found++
		result = and(result, c.withinULN(name, factor))
	}
	if found == 0 {
		return c.recordBy(unknown, func() string {
			var titles []string
			for _, n := range names {
				titles = append(titles, c.concept(n).Title)
			}
			k := c.concept(names[0])
			return fmt.Sprintf("no %s %s", strings.Join(titles, " or "), scopeOf(k.windowSpan()).upTo(c.asOf))
		})
	}
	return result
}

// and is Kleene conjunction.
func and(a, b tri) tri {
	switch {
	case a == no || b == no:
		return no
	case a == unknown || b == unknown:
		return unknown
	}
	return yes
}

// or is Kleene disjunction.
func or(a, b tri) tri {
	switch {
	case a == yes || b == yes:
		return yes
	case a == unknown || b == unknown:
		return unknown
	}
	return no
}

func (c *evalContext) belowLLN(name string) tri {
	k := c.concept(name)
	o := c.latest(k, k.windowSpan())
	if o == nil {
		return c.recordBy(unknown, func() string { return c.noResult(k, k.windowSpan()) })
	}
	if o.Value.Kind != facts.QuantityValue {
		return c.lowByInterpretation(o, k)
	}
	v, err := c.quantity(o, k)
	if err != nil {
		return c.record(unknown, err.Error(), o.Ref)
	}
	lln, byDefault, err := c.limit(o, k, o.RefLow, k.LLN)
	if err != nil {
		return c.lowByInterpretation(o, k)
	}
	low := below(v, lln)
	op := ">="
	if low {
		op = "<"
	}
	return c.recordBy(triOf(low), func() string {
		return k.Title + " " + k.shownValue(v, o.Value.Quantity) + " on " + day(o.Effective) + " " + op + " LLN " +
			num(round3(lln)) + defaultNote(byDefault)
	}, o.Ref)
}

func (c *evalContext) lowByInterpretation(o *facts.Observation, k *compiledConcept) tri {
	for _, code := range o.Interpretation {
		switch code {
		case "L", "LL":
			return c.recordBy(yes, func() string { return k.Title + " on " + day(o.Effective) + " flagged low (" + code + ")" }, o.Ref)
		case "N", "H", "HH":
			return c.recordBy(no, func() string { return k.Title + " on " + day(o.Effective) + " flagged " + code + ", not low" }, o.Ref)
		}
	}
	return c.recordBy(unknown, func() string {
		return k.Title + " on " + day(o.Effective) + " has neither a usable value nor an interpretation"
	}, o.Ref)
}
