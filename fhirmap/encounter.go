package fhirmap

import (
	r4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	encpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/encounter_go_proto"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Encounter is read so that rules can ask why a patient was in hospital.
// The type is added here rather than in peek.go's list, which another
// change rewrites.
func init() { readTypes["Encounter"] = true }

// encounter maps an Encounter: its class, period and status, and its
// reason: reasonCode, and the Conditions of reasonReference and
// diagnosis.condition (named as facts name resources; the evaluator finds
// them among the patient's Conditions, so a Condition sent later still
// counts). A Condition contained in the Encounter adds its codes to the
// reason codes. It is relevant when a concept matches a reason code, or
// when it is a hospital stay that names a Condition (which concept that
// Condition has is the evaluator's to tell).
func (c *resCtx) encounter(e *encpb.Encounter) (*facts.Resource, error) {
	patient, err := c.patientOf("subject", e.GetSubject())
	if err != nil {
		return nil, err
	}
	status := enumCode(e.GetStatus())
	fact := &facts.Encounter{
		Meta:    c.meta(e.GetMeta(), status == "entered-in-error"),
		Class:   e.GetClassValue().GetCode().GetValue(),
		Status:  status,
		Start:   periodStart(e.GetPeriod()),
		End:     periodEnd(e.GetPeriod()),
		Display: encounterText(e),
	}
	for _, t := range e.GetType() {
		fact.Types = append(fact.Types, codings(t)...)
	}
	for _, rc := range e.GetReasonCode() {
		fact.ReasonCodes = append(fact.ReasonCodes, codings(rc)...)
		if t := rc.GetText().GetValue(); t != "" {
			fact.ReasonTexts = append(fact.ReasonTexts, t)
		}
	}
	refs := e.GetReasonReference()
	for _, d := range e.GetDiagnosis() {
		refs = append(refs, d.GetCondition())
	}
	for _, ref := range refs {
		c.encounterCondition(fact, ref)
	}
	relevant := c.m.vocab.Match(fact.ReasonCodes, fact.ReasonTexts...) != nil ||
		(facts.InpatientClass(fact.Class) && len(fact.Conditions) > 0)
	return &facts.Resource{Patient: patient, Relevant: relevant, Encounter: fact}, nil
}

// encounterCondition adds the Condition a reference names: its identity,
// or, for a contained one, its codes. A reference to anything else, or one
// that cannot be resolved, says nothing of the reason and is left out.
func (c *resCtx) encounterCondition(fact *facts.Encounter, ref *d4pb.Reference) {
	t, err := c.resolve(ref)
	switch {
	case err != nil || t.typ != "Condition":
		return
	case t.contained != nil:
		if cond, ok := t.contained.GetOneofResource().(*r4pb.ContainedResource_Condition); ok {
			fact.ReasonCodes = append(fact.ReasonCodes, codings(cond.Condition.GetCode())...)
		}
		return
	}
	fact.Conditions = append(fact.Conditions, t.String())
}

// encounterText names an Encounter for reasons: its first type's text,
// else its class's display.
func encounterText(e *encpb.Encounter) string {
	for _, t := range e.GetType() {
		if s := conceptText(t); s != "" {
			return s
		}
	}
	return e.GetClassValue().GetDisplay().GetValue()
}
