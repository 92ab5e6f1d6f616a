package evaluator

import (
	"strconv"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Every result in the window, not only the latest. any_lab_* is true when
// some result meets the threshold and false when results exist and none
// does; with no result it is unknown (open-world). no_lab_* is its
// closed-world negation, for protocols that say "no X recorded": no result
// at all is true. A result that cannot be read (a unit that does not
// convert) might meet the threshold, so when none of the others does the
// answer is unknown.

func init() {
	for _, op := range []struct {
		suffix, sign string
		cmp          func(v, x float64) bool
		high         bool // the extreme a reason names: highest or lowest
	}{{"at_least", ">=", atLeast, true}, {"above", ">", above, true}, {"at_most", "<=", atMost, false}, {"below", "<", below, false}} {
		register(anyLab("any_lab_"+op.suffix, op.sign, op.cmp, op.high, false),
			anyLab("no_lab_"+op.suffix, op.sign, op.cmp, op.high, true))
	}
}

func anyLab(name, op string, cmp func(v, x float64) bool, high, none bool) *function {
	doc := "some result in the concept's window (or the span) is " + op + " the threshold; unknown with no result"
	if none {
		doc = "no result in the concept's window (or the span) is " + op + " the threshold, including when there is no result (closed-world)"
	}
	return &function{name: name, args: []argKind{argConcept, argQuantity, argSpan}, optional: 1,
		windowed: true, quantityIn: conceptArg, everyResult: true, doc: doc,
		impl: func(c *evalContext, a args) tri {
			k := c.concept(a.str(0))
			t := c.anyResult(k, c.windowOf(k, a, 2), c.threshold(a, 1, k), op, cmp, high, none)
			if none {
				return not(t)
			}
			return t
		}}
}

func not(t tri) tri {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

// anyResult decides whether some result of k in w meets the threshold. It
// records its finding with the outcome the caller returns (negated for
// no_lab_*), so that the reason agrees with the criterion.
func (c *evalContext) anyResult(k *compiledConcept, w *Span, x threshold, op string, cmp func(v, x float64) bool, high, none bool) tri {
	results := c.inWindow(k, w)
	var hit, extreme *facts.Observation
	var hitV, extremeV float64
	var unusable []string
	for _, o := range results {
		v, err := c.quantity(o, k)
		switch {
		case err != nil:
			unusable = append(unusable, o.Ref)
		case cmp(v, x.value) && (hit == nil || newer(o, hit)):
			hit, hitV = o, v
		case extreme == nil || (high && v > extremeV) || (!high && v < extremeV):
			extreme, extremeV = o, v
		}
	}
	outcome := func(t tri) tri {
		if none {
			return not(t)
		}
		return t
	}
	scope := scopeOf(w).upTo(c.asOf)
	switch {
	case hit != nil:
		c.recordBy(outcome(yes), func() string {
			return k.Title + " " + k.shownValue(hitV, hit.Value.Quantity) + " on " + day(hit.Effective) + " " + op + " " + x.shown
		}, hit.Ref)
		return yes
	case len(unusable) > 0:
		c.recordBy(unknown, func() string {
			return "no usable " + k.Title + " " + scope + " is " + op + " " + x.shown + ", but " + strconv.Itoa(len(unusable)) + " result(s) cannot be read in " + k.Unit
		}, unusable...)
		return unknown
	case extreme == nil && none:
		c.recordBy(outcome(no), func() string { return "no " + k.Title + " " + scope })
		return no
	case extreme == nil:
		c.recordBy(unknown, func() string { return c.noResult(k, w) })
		return unknown
	}
	c.recordBy(outcome(no), func() string {
		word := "highest"
		if !high {
			word = "lowest"
		}
		return "no " + k.Title + " " + scope + " is " + op + " " + x.shown + " (" + strconv.Itoa(len(results)) + " result(s); " +
			word + " " + k.shownValue(extremeV, extreme.Value.Quantity) + " on " + day(extreme.Effective) + ")"
	}, extreme.Ref)
	return no
}
