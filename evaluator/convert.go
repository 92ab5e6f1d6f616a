package evaluator

import (
	"fmt"
	"math"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/ucum"
)

// Converting values to a concept's unit. A conversion the concept declares
// comes first (HbA1c mmol/mol to %: NGSP = 0.09148 x IFCC + 2.152), then
// UCUM with the concept's molar mass. A value that neither converts is not
// used: a value converted wrongly is worse than an unknown one.

// convertTo converts v from unit `from` to unit `to`, through a conversion
// of k (nil: none) that reads `from`, else UCUM.
func convertTo(v float64, from, to string, k *compiledConcept) (float64, error) {
	var molarMass float64
	if k != nil {
		molarMass = k.MolarMass
		for _, d := range k.Conversions {
			x, err := convertUnits(v, from, d.From, molarMass)
			if err != nil {
				continue
			}
			return convertUnits(d.Scale*x+d.Offset, d.To, to, molarMass)
		}
	}
	return convertUnits(v, from, to, molarMass)
}

// valueOf reads a quantity in k's unit; the error is a reason that shows
// the value as sent. A quantity without a unit is read in k's unit when
// that is a pure number.
func (k *compiledConcept) valueOf(q facts.Quantity, when time.Time) (float64, error) {
	if q.Unit == "" && k.dimensionless {
		return q.Value, nil
	}
	v, err := convertTo(q.Value, q.Unit, k.Unit, k)
	if err != nil {
		if q.Unit == "" {
			return 0, fmt.Errorf("%s %s on %s has no unit (want %s)", k.Title, num(q.Value), day(when), k.Unit)
		}
		return 0, fmt.Errorf("%s %s %s on %s cannot be used: %s is not convertible to %s for %s",
			k.Title, num(q.Value), q.Unit, day(when), q.Unit, k.Unit, k.Title)
	}
	return v, nil
}

// shownValue writes a value in k's unit, with the value as sent beside it
// when that was in another unit: "124 g/L (12.4 g/dL)".
func (k *compiledConcept) shownValue(v float64, sent facts.Quantity) string {
	return shownQuantity(v, k.Unit, sent.Value, sent.Unit)
}

// checkUnits checks what a concept says about units, for its author: its
// unit, its declared conversions and its default limits.
func (c *compiler) checkUnits(k *compiledConcept) {
	if k.Unit == "" {
		if len(k.Conversions) > 0 {
			c.fail(k.Line, 0, "concept %s: conversions need the concept's unit (unit:)", k.Name)
		}
		return
	}
	if _, err := ucum.Parse(k.Unit); err != nil {
		c.fail(k.Line, 0, "concept %s: unit %s is not a UCUM unit (%s)", k.Name, k.Unit, unitProblem(err))
		return
	}
	for _, d := range k.Conversions {
		c.checkConversion(k, d)
	}
	for _, l := range []struct {
		field string
		q     *facts.Quantity
	}{{"uln", k.ULN}, {"lln", k.LLN}} {
		if l.q == nil {
			continue
		}
		if _, err := convertTo(l.q.Value, l.q.Unit, k.Unit, k); err != nil {
			c.fail(k.Line, 0, "concept %s: %s %s %s: unit %s is not convertible to the concept's unit %s",
				k.Name, l.field, num(l.q.Value), l.q.Unit, ucum.Normalize(l.q.Unit), k.Unit)
		}
	}
}

func (c *compiler) checkConversion(k *compiledConcept, d Conversion) {
	for _, u := range []string{d.From, d.To} {
		if _, err := ucum.Parse(u); err != nil {
			c.fail(k.Line, 0, "concept %s: conversion from %q to %q: unit %q is not a UCUM unit (%s)", k.Name, d.From, d.To, u, unitProblem(err))
			return
		}
	}
	if _, err := ucum.Convert(1, d.To, k.Unit, k.MolarMass); err != nil {
		c.fail(k.Line, 0, "concept %s: conversion to %s: unit %s is not convertible to the concept's unit %s", k.Name, d.To, d.To, k.Unit)
	}
	if d.Scale == 0 || math.IsInf(d.Scale, 0) || math.IsNaN(d.Scale) || math.IsInf(d.Offset, 0) || math.IsNaN(d.Offset) {
		c.fail(k.Line, 0, "concept %s: conversion from %s: scale must be a number other than 0", k.Name, d.From)
	}
}
