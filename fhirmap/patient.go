package fhirmap

import (
	patpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/patient_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// demographics maps a Patient, which is its own patient.
func (c *resCtx) demographics(p *patpb.Patient) *facts.Resource {
	d := &facts.Demographics{
		Meta:      c.meta(p.GetMeta(), false),
		BirthDate: date(p.GetBirthDate()),
		Gender:    enumCode(p.GetGender()),
	}
	switch dx := p.GetDeceased(); {
	case dx.GetDateTime() != nil:
		d.Deceased, d.DeceasedAt = true, dateTime(dx.GetDateTime())
	case dx.GetBoolean() != nil:
		d.Deceased = dx.GetBoolean().GetValue()
	}
	return &facts.Resource{Patient: c.ref, Relevant: true, Demographics: d}
}
