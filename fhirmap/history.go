package fhirmap

import (
	aipb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/allergy_intolerance_go_proto"
	immpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/immunization_go_proto"
	procpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/procedure_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Histories: what was given, done, or is known to harm the patient.

func (c *resCtx) immunization(im *immpb.Immunization) (*facts.Resource, error) {
	patient, err := c.patientOf("patient", im.GetPatient())
	if err != nil {
		return nil, err
	}
	status := enumCode(im.GetStatus())
	vc := im.GetVaccineCode()
	fact := &facts.Immunization{
		Meta:       c.meta(im.GetMeta(), status == "entered-in-error"),
		Codes:      codings(vc),
		Text:       vc.GetText().GetValue(),
		Display:    conceptText(vc),
		Status:     status,
		Occurrence: dateTime(im.GetOccurrence().GetDateTime()),
	}
	return &facts.Resource{Patient: patient, Relevant: c.m.vocab.Match(fact.Codes, fact.Text) != nil, Immunization: fact}, nil
}

func (c *resCtx) procedure(p *procpb.Procedure) (*facts.Resource, error) {
	patient, err := c.patientOf("subject", p.GetSubject())
	if err != nil {
		return nil, err
	}
	status := enumCode(p.GetStatus())
	performed := p.GetPerformed()
	fact := &facts.Procedure{
		Meta:      c.meta(p.GetMeta(), status == "entered-in-error"),
		Codes:     codings(p.GetCode()),
		Text:      p.GetCode().GetText().GetValue(),
		Display:   conceptText(p.GetCode()),
		Status:    status,
		Performed: firstTime(dateTime(performed.GetDateTime()), periodStart(performed.GetPeriod())),
		Ended:     periodEnd(performed.GetPeriod()),
	}
	return &facts.Resource{Patient: patient, Relevant: c.m.vocab.Match(fact.Codes, fact.Text) != nil, Procedure: fact}, nil
}

// allergy maps an AllergyIntolerance. The substance is read from the code
// and from every reaction's substance, by code and by name.
func (c *resCtx) allergy(a *aipb.AllergyIntolerance) (*facts.Resource, error) {
	patient, err := c.patientOf("patient", a.GetPatient())
	if err != nil {
		return nil, err
	}
	codes := codings(a.GetCode())
	texts := []string{a.GetCode().GetText().GetValue()}
	display := conceptText(a.GetCode())
	severe := false
	for _, r := range a.GetReaction() {
		codes = append(codes, codings(r.GetSubstance())...)
		texts = append(texts, r.GetSubstance().GetText().GetValue())
		if display == "" {
			display = conceptText(r.GetSubstance())
		}
		severe = severe || enumCode(r.GetSeverity()) == "severe"
	}
	verification := firstCode(a.GetVerificationStatus())
	return &facts.Resource{Patient: patient, Relevant: c.m.vocab.Match(codes, texts...) != nil, Allergy: &facts.Allergy{
		Meta:         c.meta(a.GetMeta(), verification == "entered-in-error"),
		Codes:        codes,
		Texts:        nonEmpty(texts),
		Display:      display,
		Verification: verification,
		Criticality:  enumCode(a.GetCriticality()),
		Severe:       severe,
	}}, nil
}
