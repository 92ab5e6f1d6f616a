package evaluator

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Domain functions read concepts by fixed names; the compiler checks that a
// trial using them defines those concepts.

func init() {
	register(
		&function{name: "crcl_at_least", args: []argKind{argQuantity}, quantityIn: inUnit("mL/min"),
			needs: []string{"creatinine", "body-weight"},
			doc:   "Cockcroft-Gault creatinine clearance (mL/min) from age, sex, latest weight and creatinine is at least the threshold",
			impl:  func(c *evalContext, a args) tri { return c.crclAtLeast(c.thresholdIn(a, 0, "mL/min")) }},
		&function{name: "room_air_spo2_above", args: []argKind{argQuantity}, quantityIn: inConcept("spo2"),
			needs: []string{"spo2", "oxygen-flow", "fio2"},
			doc:   "the latest SpO2 is above the threshold and was measured without oxygen supplementation",
			impl: func(c *evalContext, a args) tri {
				return c.roomAirSpO2Above(c.threshold(a, 0, c.concept("spo2")))
			}},
		&function{name: "sledai_at_least", args: []argKind{argNumber, argNumber},
			needs: []string{"sledai-2k", "sledai-2k-low-complement", "sledai-2k-dsdna", "c3", "c4", "anti-dsdna"},
			doc:   "SLEDAI-2K total at least the first number and its clinical part (without serology items) at least the second",
			impl:  func(c *evalContext, a args) tri { return c.sledaiAtLeast(a.num(0), a.num(1)) }},
	)
}

func (c *evalContext) crclAtLeast(min threshold) tri {
	birth, pref, ok := c.birthDate()
	if !ok {
		return c.record(unknown, "CrCl: no birth date on record")
	}
	sexFactor := cockcroftSexFactor(c.p.Demographics.Gender)
	if sexFactor == 0 {
		return c.record(unknown, fmt.Sprintf("CrCl: sex %q cannot be used in Cockcroft-Gault", c.p.Demographics.Gender), pref)
	}
	cr, crRef, err := c.latestValue("creatinine")
	if err != nil {
		return c.record(unknown, "CrCl: "+err.Error(), crRef...)
	}
	wt, wtRef, err := c.latestValue("body-weight")
	if err != nil {
		return c.record(unknown, "CrCl: "+err.Error(), wtRef...)
	}
	a := age(birth, c.asOf)
	c.changesAt(birth.AddDate(a+1, 0, 0)) // the formula's age goes up on the next birthday
	crcl := float64(140-a) * wt / (72 * cr) * sexFactor
	ok = atLeast(crcl, min.value)
	op := ">="
	if !ok {
		op = "<"
	}
	evidence := append(append([]string{pref}, crRef...), wtRef...)
	return c.recordBy(triOf(ok), func() string {
		return "CrCl " + num(math.Round(crcl*10)/10) + " mL/min (Cockcroft-Gault: age " + strconv.Itoa(a) + ", " + c.p.Demographics.Gender +
			", weight " + num(round3(wt)) + " kg, creatinine " + num(round3(cr)) + " mg/dL) " + op + " " + min.shown
	}, evidence...)
}

// cockcroftSexFactor is 0 for a sex the formula has no factor for.
func cockcroftSexFactor(gender string) float64 {
	switch gender {
	case "male":
		return 1
	case "female":
		return 0.85
	}
	return 0
}

// latestValue is the latest result of a concept in its window, in its unit.
func (c *evalContext) latestValue(name string) (float64, []string, error) {
	k := c.concept(name)
	o := c.latest(k, k.windowSpan())
	if o == nil {
		return 0, nil, errors.New(c.noResult(k, k.windowSpan()))
	}
	v, err := c.quantity(o, k)
	return v, []string{o.Ref}, err
}

func (c *evalContext) roomAirSpO2Above(min threshold) tri {
	k := c.concept("spo2")
	o, v, ok := c.latestQuantity(k, k.windowSpan())
	if !ok {
		return unknown
	}
	shown := func() string { return "SpO2 " + num(round3(v)) + " % on " + day(o.Effective) }
	if atMost(v, min.value) {
		return c.recordBy(no, func() string { return shown() + " <= " + min.shown }, o.Ref)
	}
	if why, ref := c.supplemented(o); why != "" {
		return c.recordBy(no, func() string { return shown() + " > " + min.shown + " but not on room air: " + why }, o.Ref, ref)
	}
	return c.recordBy(yes, func() string {
		return shown() + " > " + min.shown + ", no oxygen supplementation recorded within " + c.span("oxygen_match").String()
	}, o.Ref)
}

// supplemented finds oxygen given with the SpO2 measurement: a flow > 0 or
// an FiO2 > 21 % in its own components, or in an observation within the
// oxygen_match span of it.
func (c *evalContext) supplemented(spo2 *facts.Observation) (string, string) {
	for i, comp := range spo2.Components {
		for _, name := range oxygenConcepts {
			if k := c.concept(name); c.componentSlots(spo2, i).has(k.slot) {
				if why := c.oxygenValue(k, comp.Value, spo2); why != "" {
					return why + " (component)", spo2.Ref
				}
			}
		}
	}
	match := c.span("oxygen_match")
	for _, name := range oxygenConcepts {
		// The newest observation of the name that shows oxygen.
		k := c.concept(name)
		var found *facts.Observation
		var why string
		for _, o := range c.idx.obs[k.slot] {
			if found != nil && !newer(o, found) {
				continue
			}
			if o.Effective.Before(match.Before(spo2.Effective)) || o.Effective.After(match.After(spo2.Effective)) {
				continue
			}
			if w := c.oxygenValue(k, o.Value, o); w != "" {
				found, why = o, w
			}
		}
		if found != nil {
			return why + " at " + day(found.Effective), found.Ref
		}
	}
	return "", ""
}

// oxygenConcepts are the measurements that show oxygen given, and
// oxygenLimits the values above which they do: any flow, or an FiO2 above
// room air's 21 %.
var (
	oxygenConcepts = []string{"oxygen-flow", "fio2"}
	oxygenLimits   = map[string]float64{"oxygen-flow": 0, "fio2": 21}
)

// oxygenValue says what shows oxygen given in a value of k, or "".
func (c *evalContext) oxygenValue(k *compiledConcept, v facts.Value, o *facts.Observation) string {
	if v.Kind != facts.QuantityValue {
		return ""
	}
	x, err := k.valueOf(v.Quantity, o.Effective)
	if err == nil && above(x, oxygenLimits[k.Name]) {
		return fmt.Sprintf("%s %s %s", k.Title, num(round3(x)), k.Unit)
	}
	return ""
}

// componentSlots is what the trial makes of the i-th component of o.
func (c *evalContext) componentSlots(o *facts.Observation, i int) slots {
	r, ok := c.idx.obsRead[o]
	if !ok {
		r = c.prog.readObservation(c.p, o)
	}
	if i < len(r.comps) {
		return r.comps[i]
	}
	return nil
}
