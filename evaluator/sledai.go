package evaluator

import (
	"fmt"
	"strconv"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// serologyPoints is what SLEDAI-2K gives each serology item (low complement,
// increased anti-dsDNA): the most serology can add to the clinical part is 4.
const serologyPoints = 2

func (c *evalContext) sledaiAtLeast(minTotal, minClinical float64) tri {
	k := c.concept("sledai-2k")
	o := c.latest(k, k.windowSpan())
	if o == nil {
		return c.recordBy(unknown, func() string { return c.noResult(k, k.windowSpan()) })
	}
	if o.Value.Kind != facts.QuantityValue {
		return c.record(unknown, fmt.Sprintf("SLEDAI-2K on %s has no numeric score", day(o.Effective)), o.Ref)
	}
	s := o.Value.Quantity.Value
	shown := func() string { return "SLEDAI-2K " + num(s) + " on " + day(o.Effective) }
	if below(s, minTotal) {
		return c.recordBy(no, func() string { return shown() + " < " + num(minTotal) }, o.Ref)
	}
	clinical, how, known, evidence := c.sledaiClinical(o, s)
	evidence = append([]string{o.Ref}, evidence...)
	switch {
	case known && atLeast(clinical, minClinical):
		return c.recordBy(yes, func() string {
			return shown() + " >= " + num(minTotal) + ", clinical part " + num(clinical) + " >= " + num(minClinical) + " (" + how + ")"
		}, evidence...)
	case known:
		return c.recordBy(no, func() string {
			return shown() + ", clinical part " + num(clinical) + " < " + num(minClinical) + " (" + how + ")"
		}, evidence...)
	case atLeast(s, minClinical+2*serologyPoints):
		return c.recordBy(yes, func() string {
			return shown() + ": the clinical part is at least " + num(s-2*serologyPoints) + " whatever serology scored (" + how + ")"
		}, evidence...)
	}
	return c.recordBy(unknown, func() string {
		return shown() + " >= " + num(minTotal) + ", but the clinical part cannot be told (" + how + ")"
	}, evidence...)
}

// sledaiClinical works out the score without serology items: from the
// components when any is given (an absent one counts 0), else from the
// serology results themselves.
func (c *evalContext) sledaiClinical(o *facts.Observation, s float64) (float64, string, bool, []string) {
	scored, given := 0, false
	serology := []int{c.concept("sledai-2k-low-complement").slot, c.concept("sledai-2k-dsdna").slot}
	for i, comp := range o.Components {
		if cs := c.componentSlots(o, i); cs.has(serology[0]) || cs.has(serology[1]) {
			given = true
			if comp.Value.Kind == facts.QuantityValue && comp.Value.Quantity.Value > 0 {
				scored++
			}
		}
	}
	if given {
		return s - float64(serologyPoints*scored), strconv.Itoa(scored) + " serology item(s) scored in the components", true, nil
	}
	c3, f3 := c.quietly(func() tri { return c.belowLLN("c3") })
	c4, f4 := c.quietly(func() tri { return c.belowLLN("c4") })
	ds, fd := c.quietly(func() tri { return c.positive("anti-dsdna") })
	evidence := append(append(append([]string{}, f3.evidence...), f4.evidence...), fd.evidence...)
	if c3 == no && c4 == no && ds == no {
		return s, "no components; C3, C4 normal and anti-dsDNA negative, so no serology points", true, evidence
	}
	return 0, "no components; serology: " + f3.reason + ", " + f4.reason + ", " + fd.reason, false, evidence
}

// quietly runs a sub-check whose finding feeds another function's reason
// rather than the criterion's.
func (c *evalContext) quietly(check func() tri) (tri, finding) {
	n := len(c.findings)
	t := check()
	f := finding{outcome: t}
	if len(c.findings) > n {
		f = c.findings[len(c.findings)-1]
	}
	c.findings = c.findings[:n]
	return t, f
}
