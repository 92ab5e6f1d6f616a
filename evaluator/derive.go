package evaluator

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Derived values. A concept with `derive:` is read as its latest reported
// result, unless the inputs of its formula are newer: then the value is
// worked out from them. A reported value at the same time as its inputs is
// used as reported (the lab's own calculation from the same sample).
//
//   - ckd_epi_2021: eGFR (mL/min/{1.73_m2}) by the race-free CKD-EPI 2021
//     creatinine equation (Inker et al., N Engl J Med 2021; NKF/ASN) from
//     the latest [creatinine] in its window, sex and age at now (adults).
//   - bmi: weight / height^2 (kg/m2) from the latest [body-weight] and
//     [body-height] in their windows, when the weight is the newer input.
//
// Inputs are read from concepts of fixed names, which the compiler checks.

// derivation is one formula a concept can be derived by.
type derivation struct {
	needs []string // input concepts, by fixed name
	units []string // the unit each input is read in
	unit  string   // the unit of the result
	label string   // for reasons
}

var derivations = map[string]derivation{
	"ckd_epi_2021": {needs: []string{"creatinine"}, units: []string{"mg/dL"}, unit: "mL/min/{1.73_m2}", label: "CKD-EPI 2021"},
	"bmi":          {needs: []string{"body-weight", "body-height"}, units: []string{"kg", "m"}, unit: "kg/m2", label: "weight / height²"},
}

// input is one input of a derivation, read in the unit the formula wants.
type input struct {
	k   *compiledConcept
	v   float64 // in the formula's unit
	raw measure
}

// derived is the latest value of a derived concept k in the window w.
func (c *evalContext) derived(k *compiledConcept, w *Span) (measure, bool) {
	d := derivations[k.Derive]
	reported := c.latest(k, w)
	inputs, inputAt, why := c.inputs(d)
	if inputs == nil || (reported != nil && !inputAt.After(reported.Effective)) {
		if reported == nil {
			return measure{}, c.noDerivation(k, w, why)
		}
		v, err := c.quantity(reported, k)
		if err != nil {
			c.record(unknown, err.Error(), reported.Ref)
			return measure{}, false
		}
		return c.measured(k, reported, v), true
	}
	m, err := c.derive(k, d, inputs)
	if err != nil {
		c.record(unknown, k.Title+" cannot be derived: "+err.Error(), m.evidence...)
		return measure{}, false
	}
	return m, true
}

func (c *evalContext) noDerivation(k *compiledConcept, w *Span, why string) bool {
	c.recordBy(unknown, func() string { return c.noResult(k, w) + ", and it cannot be derived: " + why })
	return false
}

// inputs reads the latest value of each input in its own window; at is the
// time of the first (the one whose newness decides). nil, with why, when
// one is missing or unusable.
func (c *evalContext) inputs(d derivation) ([]input, time.Time, string) {
	out := make([]input, 0, len(d.needs))
	for i, name := range d.needs {
		k := c.concept(name)
		o, kv, why := c.quietQuantity(k)
		if o == nil {
			return nil, time.Time{}, why
		}
		v, err := convertUnits(kv, k.Unit, d.units[i], k.MolarMass)
		if err != nil { // the compiler checked the units convert
			return nil, time.Time{}, err.Error()
		}
		out = append(out, input{k: k, v: v, raw: c.measured(k, o, kv)})
	}
	return out, out[0].raw.at, ""
}

// quietQuantity is latestQuantity in k's own window, with the reason it
// would record returned instead (nil o when there is no usable result).
func (c *evalContext) quietQuantity(k *compiledConcept) (o *facts.Observation, v float64, why string) {
	t, f := c.quietly(func() tri {
		var ok bool
		if o, v, ok = c.latestQuantity(k, k.windowSpan()); ok {
			return yes
		}
		return unknown
	})
	if t != yes {
		if f.reason == "" {
			f.reason = c.noResult(k, k.windowSpan())
		}
		return nil, 0, f.reason
	}
	return o, v, ""
}

// derive works a derived value out of its inputs, in k's unit.
func (c *evalContext) derive(k *compiledConcept, d derivation, in []input) (measure, error) {
	var evidence []string
	for _, x := range in {
		evidence = append(evidence, x.raw.evidence...)
	}
	var v float64
	var from string
	switch k.Derive {
	case "ckd_epi_2021":
		egfr, who, ref, err := c.ckdEpi2021(in[0].v)
		if ref != "" {
			evidence = append(evidence, ref)
		}
		if err != nil {
			return measure{evidence: evidence}, err
		}
		v, from = egfr, who
	case "bmi":
		v = in[0].v / (in[1].v * in[1].v)
	}
	v, err := convertTo(v, d.unit, k.Unit, k)
	if err != nil {
		return measure{evidence: evidence}, err
	}
	return measure{v: v, at: in[0].raw.at, evidence: evidence, shown: func() string {
		s := k.Title + " " + num(math.Round(v*10)/10) + " " + k.Unit + " derived (" + d.label + ") from " + in[0].raw.shown()
		for _, x := range in[1:] {
			s += " and " + x.raw.shown()
		}
		return s + from
	}}, nil
}

// ckdEpi2021 is eGFR (mL/min/1.73 m2) from creatinine in mg/dL, the
// patient's sex and age at now. who describes them for a reason (", female,
// age 68"); ref is the Patient.
func (c *evalContext) ckdEpi2021(scr float64) (egfr float64, who, ref string, err error) {
	birth, ref, ok := c.birthDate()
	if !ok {
		return 0, "", "", fmt.Errorf("no birth date on record")
	}
	kappa, alpha, female := 0.9, -0.302, 1.0
	switch g := c.p.Demographics.Gender; g {
	case "female":
		kappa, alpha, female = 0.7, -0.241, 1.012
	case "male":
	case "", "unknown":
		return 0, "", ref, fmt.Errorf("sex not recorded")
	default:
		return 0, "", ref, fmt.Errorf("the equation has constants for female and male only, not %s", g)
	}
	a := age(birth, c.asOf)
	if a < 18 {
		c.changesAt(birth.AddDate(18, 0, 0))
		return 0, "", ref, fmt.Errorf("age %d: CKD-EPI 2021 is for adults", a)
	}
	c.changesAt(birth.AddDate(a+1, 0, 0)) // the equation's age goes up on the next birthday
	r := scr / kappa
	egfr = 142 * math.Pow(math.Min(r, 1), alpha) * math.Pow(math.Max(r, 1), -1.2) * math.Pow(0.9938, float64(a)) * female
	return egfr, ", " + c.p.Demographics.Gender + ", age " + strconv.Itoa(a), ref, nil
}

// checkDerive checks a derived concept: a formula this knows, its inputs
// defined in units the formula can read, and a unit its result converts to.
func (c *compiler) checkDerive(k *compiledConcept) {
	if k.Derive == "" {
		return
	}
	d, ok := derivations[k.Derive]
	if !ok {
		c.fail(k.Line, 0, "concept %s: derive %q: want ckd_epi_2021 or bmi %s", k.Name, k.Derive, suggestion(k.Derive, []string{"ckd_epi_2021", "bmi"}))
		return
	}
	for i, name := range d.needs {
		in := c.prog.concepts[name]
		switch {
		case in == nil:
			c.fail(k.Line, 0, "concept %s: derive %s reads concept %q, which the trial does not define", k.Name, k.Derive, name)
		case in.Unit == "":
			c.fail(k.Line, 0, "concept %s: derive %s reads %s, which needs a unit (e.g. unit: %s)", k.Name, k.Derive, name, d.units[i])
		default:
			if _, err := convertTo(1, in.Unit, d.units[i], in); err != nil {
				c.fail(k.Line, 0, "concept %s: derive %s reads %s in %s: unit %s is not convertible to %s", k.Name, k.Derive, name, d.units[i], in.Unit, d.units[i])
			}
		}
	}
	if _, err := convertTo(1, d.unit, k.Unit, k); err != nil {
		c.fail(k.Line, 0, "concept %s: derive %s gives %s: unit %s is not convertible to the concept's unit %q", k.Name, k.Derive, d.unit, d.unit, k.Unit)
	}
}
