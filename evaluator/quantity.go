package evaluator

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/trialscout/trialscout/ucum"
)

// Units belong to the rule. A threshold is written with its unit, as a
// string: "1.5 10*9/L", "95 mm[Hg]", "20 mL/min/{1.73_m2}". It is read
// and converted to its concept's unit when the trial compiles, so a
// threshold that cannot mean what the concept measures is a load error,
// never a wrong comparison. A plain number (1.5, or "1.5") is allowed only
// where the value is a pure number (a concept whose unit is dimensionless,
// or that has none).

// literal is a threshold as written: a number and a UCUM unit ("" for a
// plain number).
type literal struct {
	value float64
	unit  string
}

// maxLiteral bounds a quantity literal's length: a threshold is short.
const maxLiteral = 200

// parseLiteral reads "<number> <unit>" or "<number>": an optional sign,
// digits with an optional fraction and exponent, then the unit, with or
// without a blank before it ("40 %", "40%"). The unit must parse as UCUM
// (or one of the spellings package ucum reads).
func parseLiteral(s string) (literal, error) {
	if len(s) > maxLiteral {
		return literal{}, fmt.Errorf("%.20q...: a threshold is a number and a unit, at most %d characters", s, maxLiteral)
	}
	t := strings.TrimSpace(s)
	n := numberPrefix(t)
	if n == 0 {
		return literal{}, fmt.Errorf("%q: a threshold starts with a number, e.g. \"1.5 10*9/L\"", s)
	}
	v, err := strconv.ParseFloat(t[:n], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return literal{}, fmt.Errorf("%q: %s is not a number this can compare", s, t[:n])
	}
	unit := strings.TrimSpace(t[n:])
	if unit == "" {
		return literal{value: v}, nil
	}
	if _, err := ucum.Parse(unit); err != nil {
		return literal{}, fmt.Errorf("%q: unit %s is not a UCUM unit (%s)", s, unit, unitProblem(err))
	}
	return literal{value: v, unit: unit}, nil
}

// numberPrefix is the length of the number that starts t: [+-] digits
// [. digits] [e [+-] digits]; the exponent only when digits follow it, so
// that "5 eq/L" and "5eq/L" keep their unit.
func numberPrefix(t string) int {
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	start := i
	i = digitsFrom(t, i)
	if i < len(t) && t[i] == '.' {
		i = digitsFrom(t, i+1)
	}
	if i == start || (i == start+1 && t[start] == '.') {
		return 0
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		j := i + 1
		if j < len(t) && (t[j] == '+' || t[j] == '-') {
			j++
		}
		if k := digitsFrom(t, j); k > j {
			i = k
		}
	}
	return i
}

func digitsFrom(t string, i int) int {
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i
}

// unitProblem is the part of a ucum error that says what is wrong, without
// the unit it already names.
func unitProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "unit ") {
		return msg[i+2:]
	}
	return msg
}

// threshold is a quantity argument ready for comparing: its value in the
// unit of what it is compared with, and how reasons show it.
type threshold struct {
	value float64
	shown string
}

// thresholdKey names one quantity argument of a compiled trial: the
// literal as written, and the concept whose unit it is in (or, for a
// function with a fixed unit, that unit).
type thresholdKey struct {
	concept, unit, text string
}

// resolveThreshold converts a literal to the unit of k (or to unit, when k
// is nil). The errors are for a trial's author.
func resolveThreshold(lit literal, text string, k *compiledConcept, unit string) (threshold, error) {
	target, title := unit, unit
	if k != nil {
		target, title = k.Unit, k.Title
	}
	if lit.unit == "" {
		if target != "" && !ucum.Dimensionless(target) {
			return threshold{}, fmt.Errorf("%s is measured in %s: write the threshold with its unit, e.g. \"%s %s\"",
				title, target, num(lit.value), target)
		}
		return threshold{value: lit.value, shown: num(lit.value)}, nil
	}
	if target == "" {
		return threshold{}, fmt.Errorf("%q has a unit, but the concept %s has none: give the concept a unit: (the unit its results are compared in)", text, title)
	}
	v, err := convertTo(lit.value, lit.unit, target, k)
	if err != nil {
		return threshold{}, fmt.Errorf("%q: unit %s is not convertible to the concept's unit %s", text, ucum.Normalize(lit.unit), target)
	}
	return threshold{value: v, shown: shownQuantity(v, target, lit.value, lit.unit)}, nil
}

// shownQuantity writes a value in its unit, with the value as given beside
// it when converting changed it: "100 g/L", "10 g/dL (100 g/L)",
// "5.4 mmol/L (5.4 meq/L)"; not for another spelling of the same unit
// ("3.2 10*9/L", sent as 3.2 10*3/uL).
func shownQuantity(v float64, unit string, orig float64, origUnit string) string {
	s := num(round3(v)) + " " + unit
	if origUnit != "" && !sameQuantity(round3(v), unit, orig, origUnit) {
		s += " (" + num(orig) + " " + origUnit + ")"
	}
	return s
}

// sameQuantity reports whether a value reads the same in both units: the
// same number, in units one UCUM factor of 1 apart.
func sameQuantity(v float64, unit string, orig float64, origUnit string) bool {
	if v != orig {
		return false
	}
	f, err := convertUnits(1, origUnit, unit, 0)
	return err == nil && approxEqual(f, 1)
}
