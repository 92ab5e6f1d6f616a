package evaluator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/trialscout/trialscout/evaluator/facts"
)

func init() {
	register(&function{name: "positive", args: []argKind{argConcept},
		doc:  "the latest result of a qualitative test in its window is positive (false: negative)",
		impl: func(c *evalContext, a args) tri { return c.positive(a.str(0)) }})
}

func (c *evalContext) positive(name string) tri {
	k := c.concept(name)
	o := c.latest(k, k.windowSpan())
	if o == nil {
		return c.recordBy(unknown, func() string { return c.noResult(k, k.windowSpan()) })
	}
	t, why := c.polarity(o, k)
	return c.recordBy(t, func() string { return k.Title + " on " + day(o.Effective) + " " + why }, o.Ref)
}

var (
	negativeWords = map[string]bool{"negative": true, "not detected": true, "non-reactive": true}
	positiveWords = map[string]bool{"positive": true, "detected": true, "reactive": true}
	negativeFlags = map[string]bool{"NEG": true, "ND": true, "N": true}
	positiveFlags = map[string]bool{"POS": true, "DET": true, "H": true, "HH": true, "A": true}
	titerText     = regexp.MustCompile(`^\s*1\s*:\s*(\d+(?:\.\d+)?)\s*$`)
)

// polarity decides a qualitative result: the value first (negatives checked
// before positives, as "not detected" contains "detected"), then the
// interpretation when the value says nothing.
func (c *evalContext) polarity(o *facts.Observation, k *compiledConcept) (tri, string) {
	if t, why, decided := c.valuePolarity(o, k); decided {
		return t, why
	}
	for _, code := range o.Interpretation {
		if negativeFlags[code] {
			return no, "negative (interpretation " + code + ")"
		}
	}
	for _, code := range o.Interpretation {
		if positiveFlags[code] {
			return yes, "positive (interpretation " + code + ")"
		}
	}
	return unknown, "is neither positive nor negative"
}

func (c *evalContext) valuePolarity(o *facts.Observation, k *compiledConcept) (tri, string, bool) {
	v := o.Value
	switch v.Kind {
	case facts.CodedValue:
		return c.codedPolarity(v, k)
	case facts.StringValue:
		return wordPolarity(v.Text, k)
	case facts.BoolValue:
		if v.Bool {
			return yes, "positive (true)", true
		}
		return no, "negative (false)", true
	case facts.RatioValue:
		if k.PositiveTiter > 0 && v.Ratio[0] > 0 {
			return titerPolarity(v.Ratio[1]/v.Ratio[0], k)
		}
	case facts.QuantityValue:
		return c.quantityPolarity(o, k)
	}
	return unknown, "", false
}

func (c *evalContext) codedPolarity(v facts.Value, k *compiledConcept) (tri, string, bool) {
	for _, code := range v.Codes {
		if hasCoding(k.negative, code) {
			return no, "negative (" + describe(code) + ")", true
		}
	}
	for _, code := range v.Codes {
		if hasCoding(k.positive, code) {
			return yes, "positive (" + describe(code) + ")", true
		}
	}
	if v.Text != "" {
		return wordPolarity(v.Text, k)
	}
	return unknown, "", false
}

func hasCoding(set []facts.Coding, c facts.Coding) bool {
	for _, s := range set {
		if s.System == c.System && s.Code == c.Code {
			return true
		}
	}
	return false
}

func describe(c facts.Coding) string {
	if c.Display != "" {
		return c.Display
	}
	return c.Code
}

// wordPolarity reads a string value: exactly one of the listed words (any
// case), or a titer "1:N"; any other string is unknown.
func wordPolarity(s string, k *compiledConcept) (tri, string, bool) {
	w := strings.ToLower(strings.TrimSpace(s))
	switch {
	case negativeWords[w]:
		return no, fmt.Sprintf("negative (%q)", s), true
	case positiveWords[w]:
		return yes, fmt.Sprintf("positive (%q)", s), true
	}
	if m := titerText.FindStringSubmatch(s); m != nil && k.PositiveTiter > 0 {
		n, _ := strconv.ParseFloat(m[1], 64)
		return titerPolarity(n, k)
	}
	return unknown, fmt.Sprintf("reads %q, which is neither positive nor negative", s), true
}

func titerPolarity(n float64, k *compiledConcept) (tri, string, bool) {
	if n >= k.PositiveTiter {
		return yes, fmt.Sprintf("positive (titer 1:%s >= 1:%s)", num(n), num(k.PositiveTiter)), true
	}
	return no, fmt.Sprintf("negative (titer 1:%s < 1:%s)", num(n), num(k.PositiveTiter)), true
}

func (c *evalContext) quantityPolarity(o *facts.Observation, k *compiledConcept) (tri, string, bool) {
	q := o.Value.Quantity
	if k.PositiveTiter > 0 && strings.EqualFold(q.Unit, "{titer}") {
		return titerPolarity(q.Value, k)
	}
	if k.NegativeBelow != nil || k.PositiveAt != nil {
		return c.cutoffPolarity(o, k)
	}
	if k.ViralLoad {
		return viralPolarity(o)
	}
	if o.RefHigh == nil {
		return unknown, "", false
	}
	high, err := convertUnits(o.RefHigh.Value, orUnit(o.RefHigh.Unit, q.Unit), q.Unit, k.MolarMass)
	if err != nil {
		return unknown, fmt.Sprintf("reference range unit %q does not match %q", o.RefHigh.Unit, q.Unit), true
	}
	if q.Value > high {
		return yes, fmt.Sprintf("positive (%s %s > reference high %s)", num(q.Value), q.Unit, num(round3(high))), true
	}
	return no, fmt.Sprintf("negative (%s %s <= reference high %s)", num(q.Value), q.Unit, num(round3(high))), true
}

func orUnit(u, fallback string) string {
	if u == "" {
		return fallback
	}
	return u
}

// cutoffPolarity applies the concept's own cut-offs (hCG: < 5 negative,
// >= 25 positive); the result's reference range is ignored.
func (c *evalContext) cutoffPolarity(o *facts.Observation, k *compiledConcept) (tri, string, bool) {
	q := o.Value.Quantity
	if k.NegativeBelow != nil {
		lim, err := convertUnits(k.NegativeBelow.Value, k.NegativeBelow.Unit, orUnit(q.Unit, k.NegativeBelow.Unit), 0)
		if err != nil {
			return unknown, fmt.Sprintf("unit %q cannot be compared with the cut-off in %s", q.Unit, k.NegativeBelow.Unit), true
		}
		if q.Value < lim {
			return no, fmt.Sprintf("negative (%s %s < %s)", num(q.Value), q.Unit, num(lim)), true
		}
	}
	if k.PositiveAt != nil {
		lim, err := convertUnits(k.PositiveAt.Value, k.PositiveAt.Unit, orUnit(q.Unit, k.PositiveAt.Unit), 0)
		if err != nil {
			return unknown, fmt.Sprintf("unit %q cannot be compared with the cut-off in %s", q.Unit, k.PositiveAt.Unit), true
		}
		if q.Value >= lim {
			return yes, fmt.Sprintf("positive (%s %s >= %s)", num(q.Value), q.Unit, num(lim)), true
		}
	}
	return unknown, fmt.Sprintf("%s %s lies between the cut-offs: indeterminate", num(q.Value), q.Unit), true
}

// viralPolarity: detected or above the assay's detection limit is positive;
// "<" or 0 is negative; no limit known, any value above 0 is positive.
func viralPolarity(o *facts.Observation) (tri, string, bool) {
	q := o.Value.Quantity
	shown := fmt.Sprintf("%s%s %s", q.Comparator, num(q.Value), q.Unit)
	switch {
	case q.Comparator == "<" || q.Comparator == "<=":
		return no, fmt.Sprintf("negative (%s, below the detection limit)", shown), true
	case q.Value == 0:
		return no, fmt.Sprintf("negative (%s)", shown), true
	case q.Comparator == ">" || q.Comparator == ">=":
		return yes, fmt.Sprintf("positive (%s, above the detection limit)", shown), true
	case o.RefHigh != nil:
		high, err := convertUnits(o.RefHigh.Value, orUnit(o.RefHigh.Unit, q.Unit), q.Unit, 0)
		if err != nil {
			return unknown, fmt.Sprintf("detection limit unit %q does not match %q", o.RefHigh.Unit, q.Unit), true
		}
		if q.Value > high {
			return yes, fmt.Sprintf("positive (%s > detection limit %s)", shown, num(high)), true
		}
		return no, fmt.Sprintf("negative (%s <= detection limit %s)", shown, num(high)), true
	}
	return yes, fmt.Sprintf("positive (%s > 0, no detection limit given)", shown), true
}
