package fhirmap

import (
	"time"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	obspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/observation_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// observation maps an Observation. Tests are recognised by code only: a
// name in the text says too little about which test it was.
func (c *resCtx) observation(o *obspb.Observation) (*facts.Resource, error) {
	patient, err := c.patientOf("subject", o.GetSubject())
	if err != nil {
		return nil, err
	}
	if isDecision(codings(o.GetCode())) {
		return c.decision(o, patient)
	}
	status := enumCode(o.GetStatus())
	fact := &facts.Observation{
		Meta:           c.meta(o.GetMeta(), status == "entered-in-error"),
		Codes:          codings(o.GetCode()),
		Status:         status,
		Effective:      effective(o),
		Value:          value(o.GetValue()),
		Interpretation: interpretation(o.GetInterpretation()),
		Components:     components(o.GetComponent()),
	}
	if rr := o.GetReferenceRange(); len(rr) > 0 {
		fact.RefLow = boundOf(rr[0].GetLow())
		fact.RefHigh = boundOf(rr[0].GetHigh())
	}
	relevant := c.m.vocab.MatchCodes(fact.Codes) != nil
	for _, comp := range fact.Components {
		relevant = relevant || c.m.vocab.MatchCodes(comp.Codes) != nil
	}
	return &facts.Resource{Patient: patient, Relevant: relevant, Observation: fact}, nil
}

// effective is effectiveDateTime, else effectivePeriod end then start, else
// effectiveInstant, else issued.
func effective(o *obspb.Observation) time.Time {
	e := o.GetEffective()
	return firstTime(
		dateTime(e.GetDateTime()),
		periodEnd(e.GetPeriod()),
		periodStart(e.GetPeriod()),
		instant(e.GetInstant()),
		instant(o.GetIssued()),
	)
}

// interpretation lists every code of every interpretation.
func interpretation(ccs []*d4pb.CodeableConcept) []string {
	var out []string
	for _, cc := range ccs {
		for _, c := range cc.GetCoding() {
			if code := c.GetCode().GetValue(); code != "" {
				out = append(out, code)
			}
		}
	}
	return out
}

// components keeps every component that has a code: which of them a trial
// reads is the trial's to decide.
func components(comps []*obspb.Observation_Component) []facts.Component {
	var out []facts.Component
	for _, comp := range comps {
		codes := codings(comp.GetCode())
		if len(codes) == 0 {
			continue
		}
		out = append(out, facts.Component{Codes: codes, Value: value(comp.GetValue())})
	}
	return out
}

// boundOf reads a reference range bound; nil when absent or without value.
func boundOf(q *d4pb.SimpleQuantity) *facts.Quantity {
	if q == nil {
		return nil
	}
	v, ok := quantity(q)
	if !ok {
		return nil
	}
	return &v
}
