package evaluator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

func init() {
	register(
		labCompare("lab_at_least", ">=", atLeast),
		labCompare("lab_above", ">", above),
		labCompare("lab_at_most", "<=", atMost),
		labCompare("lab_below", "<", below),
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
	return &function{name: name, args: []argKind{argConcept, argNumber},
		doc: "the latest result in the concept's window, in its unit, is " + op + " the threshold",
		impl: func(c *evalContext, a args) tri {
			k := c.concept(a.str(0))
			o, v, ok := c.latestQuantity(k)
			if !ok {
				return unknown
			}
			x := a.num(1)
			ok = cmp(v, x)
			shown := op
			if !ok {
				shown = negate[op]
			}
			return c.recordBy(triOf(ok), func() string {
				return k.Title + " " + num(round3(v)) + " " + k.Unit + " on " + day(o.Effective) + " " + shown + " " + num(x)
			}, o.Ref)
		}}
}

var negate = map[string]string{">=": "<", ">": "<=", "<=": ">", "<": ">="}

// concept returns a concept the compiler already checked exists.
func (c *evalContext) concept(name string) *compiledConcept { return c.prog.concepts[name] }

// latest is the usable observation of k in k's window with the latest
// effective time (ordered as newer orders them). It notes when that answer
// changes with no new data: when the result leaves the window, or when a
// future-dated result becomes current (newest first).
//
// It scans rather than keeping the concept's results sorted: most are read
// once or twice per pass, and a long history made sorting them the largest
// cost of an evaluation.
func (c *evalContext) latest(k *compiledConcept) *facts.Observation {
	var found *facts.Observation
	var future []*facts.Observation
	for _, o := range c.idx.obs[k.slot] {
		switch {
		case o.Effective.After(c.asOf):
			future = append(future, o)
		case found == nil || newer(o, found):
			found = o
		}
	}
	slices.SortFunc(future, byNewest)
	for _, o := range future {
		c.changesAt(o.Effective)
	}
	if found == nil || k.Window == "" {
		return found
	}
	if !found.Effective.After(k.window.Before(c.asOf)) {
		return nil
	}
	c.changesAt(k.window.After(found.Effective))
	return found
}

func (c *evalContext) noResult(k *compiledConcept) string {
	if k.Window == "" {
		return "no " + k.Title + " up to " + day(c.asOf)
	}
	return "no " + k.Title + " in the " + k.window.String() + " up to " + day(c.asOf)
}

// latestQuantity reads the latest result of k in k's unit. When there is
// none, or it cannot be used, it records why and ok is false.
func (c *evalContext) latestQuantity(k *compiledConcept) (o *facts.Observation, v float64, ok bool) {
	o = c.latest(k)
	if o == nil {
		c.recordBy(unknown, func() string { return c.noResult(k) })
		return nil, 0, false
	}
	v, err := c.quantity(o, k)
	if err != nil {
		c.record(unknown, err.Error(), o.Ref)
		return nil, 0, false
	}
	return o, v, true
}

// quantity reads o's value in k's unit.
func (c *evalContext) quantity(o *facts.Observation, k *compiledConcept) (float64, error) {
	if o.Value.Kind != facts.QuantityValue {
		return 0, fmt.Errorf("%s on %s has no quantity", k.Title, day(o.Effective))
	}
	return convert(o.Value.Quantity, k, o.Effective)
}

func convert(q facts.Quantity, k *compiledConcept, when time.Time) (float64, error) {
	if q.Unit == "" && k.dimensionless {
		return q.Value, nil
	}
	v, err := convertUnits(q.Value, q.Unit, k.Unit, k.MolarMass)
	if err != nil {
		return 0, fmt.Errorf("%s on %s: unit %q cannot be used (want %s)", k.Title, day(when), q.Unit, k.Unit)
	}
	return v, nil
}

// limit returns the observation's own reference limit, else the concept's
// default, in k's unit, and whether the default was used.
func (c *evalContext) limit(o *facts.Observation, k *compiledConcept, own *facts.Quantity, def *facts.Quantity) (float64, bool, error) {
	if own != nil {
		q := *own
		if q.Unit == "" {
			q.Unit = o.Value.Quantity.Unit
		}
		v, err := convert(q, k, o.Effective)
		return v, false, err
	}
	if def == nil {
		return 0, false, fmt.Errorf("%s on %s has no reference range and the trial gives no default", k.Title, day(o.Effective))
	}
	v, err := convert(*def, k, o.Effective)
	return v, true, err
}

func (c *evalContext) withinULN(name string, factor float64) tri {
	k := c.concept(name)
	o, v, ok := c.latestQuantity(k)
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
		return k.Title + " " + num(round3(v)) + " " + k.Unit + " on " + day(o.Effective) + " " + op + " " +
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
		if c.latest(c.concept(name)) == nil {
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
			return fmt.Sprintf("no %s in the %s up to %s", strings.Join(titles, " or "), k.window, day(c.asOf))
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
	o := c.latest(k)
	if o == nil {
		return c.recordBy(unknown, func() string { return c.noResult(k) })
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
		return k.Title + " " + num(round3(v)) + " " + k.Unit + " on " + day(o.Effective) + " " + op + " LLN " +
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
