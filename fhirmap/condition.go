package fhirmap

import (
	condpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/condition_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// condition maps a Condition. Its start is left as given (onset, onsetAge,
// recordedDate): working out birthDate + onsetAge needs the Patient, which
// is the evaluator's to combine.
func (c *resCtx) condition(cd *condpb.Condition) (*facts.Resource, error) {
	patient, err := c.patientOf("subject", cd.GetSubject())
	if err != nil {
		return nil, err
	}
	verification := firstCode(cd.GetVerificationStatus())
	onset, abatement := cd.GetOnset(), cd.GetAbatement()
	fact := &facts.Condition{
		Meta:         c.meta(cd.GetMeta(), verification == "entered-in-error"),
		Codes:        codings(cd.GetCode()),
		Text:         cd.GetCode().GetText().GetValue(),
		Display:      conceptText(cd.GetCode()),
		Clinical:     firstCode(cd.GetClinicalStatus()),
		Verification: verification,
		Onset:        firstTime(dateTime(onset.GetDateTime()), periodStart(onset.GetPeriod())),
		Recorded:     dateTime(cd.GetRecordedDate()),
		Abated:       abatement.GetChoice() != nil,
		Abatement: firstTime(
			dateTime(abatement.GetDateTime()),
			periodEnd(abatement.GetPeriod()),
			periodStart(abatement.GetPeriod()),
		),
	}
	if age := onset.GetAge(); age != nil {
		if q, ok := quantity(age); ok {
			fact.OnsetAge = &q
		}
	}
	return &facts.Resource{Patient: patient, Relevant: c.m.vocab.Match(fact.Codes, fact.Text) != nil, Condition: fact}, nil
}
