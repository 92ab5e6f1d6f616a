package fhirmap

import (
	"math"
	"strconv"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

const ucum = "http://unitsofmeasure.org"

// quantityLike is what Quantity, SimpleQuantity and Age have in common.
type quantityLike interface {
	GetValue() *d4pb.Decimal
	GetUnit() *d4pb.String
	GetSystem() *d4pb.Uri
	GetCode() *d4pb.Code
}

// quantity reads an amount; ok is false when it has no usable value (a
// quantity without a number cannot be compared with anything).
func quantity(q quantityLike) (facts.Quantity, bool) {
	v, ok := decimal(q.GetValue())
	if !ok {
		return facts.Quantity{}, false
	}
	return facts.Quantity{Value: v, Unit: unitOf(q)}, true
}

// unitOf is Quantity.code when the system is UCUM, otherwise the unit text
// (the code when there is no text).
func unitOf(q quantityLike) string {
	code := q.GetCode().GetValue()
	if q.GetSystem().GetValue() == ucum && code != "" {
		return code
	}
	if u := q.GetUnit().GetValue(); u != "" {
		return u
	}
	return code
}

func decimal(d *d4pb.Decimal) (float64, bool) {
	if d == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(d.GetValue(), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// valueX is what Observation.value[x] and Observation.component.value[x]
// have in common, as far as the rules read them.
type valueX interface {
	GetQuantity() *d4pb.Quantity
	GetCodeableConcept() *d4pb.CodeableConcept
	GetStringValue() *d4pb.String
	GetBoolean() *d4pb.Boolean
	GetInteger() *d4pb.Integer
	GetRatio() *d4pb.Ratio
}

// value reduces a value[x] to the kinds the rules read; others (Range,
// SampledData, times, periods) are NoValue.
func value(v valueX) facts.Value {
	switch {
	case v.GetQuantity() != nil:
		q, ok := quantity(v.GetQuantity())
		if !ok {
			return facts.Value{}
		}
		q.Comparator = enumCode(v.GetQuantity().GetComparator())
		return facts.Value{Kind: facts.QuantityValue, Quantity: q}
	case v.GetCodeableConcept() != nil:
		cc := v.GetCodeableConcept()
		return facts.Value{Kind: facts.CodedValue, Codes: codings(cc), Text: cc.GetText().GetValue()}
	case v.GetStringValue() != nil:
		return facts.Value{Kind: facts.StringValue, Text: v.GetStringValue().GetValue()}
	case v.GetBoolean() != nil:
		return facts.Value{Kind: facts.BoolValue, Bool: v.GetBoolean().GetValue()}
	case v.GetInteger() != nil:
		return facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: float64(v.GetInteger().GetValue())}}
	case v.GetRatio() != nil:
		return ratio(v.GetRatio())
	}
	return facts.Value{}
}

// ratio needs both numbers: half a ratio is no value.
func ratio(r *d4pb.Ratio) facts.Value {
	num, ok1 := decimal(r.GetNumerator().GetValue())
	den, ok2 := decimal(r.GetDenominator().GetValue())
	if !ok1 || !ok2 {
		return facts.Value{}
	}
	return facts.Value{Kind: facts.RatioValue, Ratio: [2]float64{num, den}}
}
