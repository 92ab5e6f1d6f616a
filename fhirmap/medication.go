package fhirmap

import (
	"time"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	medpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/medication_go_proto"
	mrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/medication_request_go_proto"
	mspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/medication_statement_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// drug is what identifies the product of a MedicationStatement or
// MedicationRequest: the codes and texts that concepts are matched in, the
// display, and the product names a tablet strength is read from.
type drug struct {
	codings  []facts.Coding
	texts    []string
	display  string
	products []string // text first, then displays: "Prednisone 5 MG Oral Tablet"
}

// medicationX is medication[x] of both resources.
type medicationX interface {
	GetCodeableConcept() *d4pb.CodeableConcept
	GetReference() *d4pb.Reference
}

// drugOf identifies the drug: medicationCodeableConcept, or the code of the
// Medication a medicationReference points to (contained or in the Bundle),
// and always the reference's display.
func (c *resCtx) drugOf(mx medicationX) drug {
	var d drug
	d.addConcept(mx.GetCodeableConcept())
	if ref := mx.GetReference(); ref != nil {
		if med := c.referencedMedication(ref); med != nil {
			d.addConcept(med.GetCode())
			for _, ing := range med.GetIngredient() {
				// Ingredient codes match concepts but name no product strength.
				cc := ing.GetItem().GetCodeableConcept()
				d.codings = append(d.codings, codings(cc)...)
				d.texts = append(d.texts, cc.GetText().GetValue())
			}
		}
		if disp := ref.GetDisplay().GetValue(); disp != "" {
			d.texts = append(d.texts, disp)
			d.products = append(d.products, disp)
			if d.display == "" {
				d.display = disp
			}
		}
	}
	return d
}

func (d *drug) addConcept(cc *d4pb.CodeableConcept) {
	if cc == nil {
		return
	}
	cs := codings(cc)
	d.codings = append(d.codings, cs...)
	if t := cc.GetText().GetValue(); t != "" {
		d.texts = append(d.texts, t)
		d.products = append(d.products, t)
	}
	for _, code := range cs {
		if code.Display != "" {
			d.products = append(d.products, code.Display)
		}
	}
	if d.display == "" {
		d.display = conceptText(cc)
	}
}

// referencedMedication finds the Medication a reference points to, or nil
// (a reference the Mapper cannot see: the drug is then known by its display).
func (c *resCtx) referencedMedication(ref *d4pb.Reference) *medpb.Medication {
	t, err := c.resolve(ref)
	switch {
	case err != nil:
		return nil
	case t.contained != nil:
		return t.contained.GetMedication()
	case t.entry != nil && t.entry.typ == "Medication":
		med, _ := c.m.medication(t.entry)
		return med
	}
	return nil
}

// medicationFact builds the fact common to statements and requests.
func (c *resCtx) medicationFact(mt *d4pb.Meta, status string, d drug, dosage *d4pb.Dosage) *facts.Medication {
	dose, note := dailyDose(dosage, d.products)
	return &facts.Medication{
		Meta:        c.meta(mt, status == "entered-in-error"),
		Codes:       d.codings,
		Texts:       nonEmpty(d.texts),
		Display:     d.display,
		Status:      status,
		DailyDoseMg: dose,
		DoseNote:    note,
		Route:       route(dosage),
	}
}

// medicationStatement maps a MedicationStatement; its period is
// effectivePeriod, else effectiveDateTime as the start.
func (c *resCtx) medicationStatement(ms *mspb.MedicationStatement) (*facts.Resource, error) {
	patient, err := c.patientOf("subject", ms.GetSubject())
	if err != nil {
		return nil, err
	}
	fact := c.medicationFact(ms.GetMeta(), enumCode(ms.GetStatus()), c.drugOf(ms.GetMedication()), firstDosage(ms.GetDosage()))
	eff := ms.GetEffective()
	fact.Start = firstTime(periodStart(eff.GetPeriod()), dateTime(eff.GetDateTime()))
	fact.End = periodEnd(eff.GetPeriod())
	return c.medicationResource(patient, fact), nil
}

// medicationRequest maps a MedicationRequest; its period is the first
// dosage's timing.repeat.boundsPeriod, else dispenseRequest.validityPeriod,
// else authoredOn as the start.
func (c *resCtx) medicationRequest(mr *mrpb.MedicationRequest) (*facts.Resource, error) {
	patient, err := c.patientOf("subject", mr.GetSubject())
	if err != nil {
		return nil, err
	}
	dosage := firstDosage(mr.GetDosageInstruction())
	fact := c.medicationFact(mr.GetMeta(), enumCode(mr.GetStatus()), c.drugOf(mr.GetMedication()), dosage)
	fact.Start, fact.End = requestPeriod(mr, dosage)
	return c.medicationResource(patient, fact), nil
}

// medicationResource wraps a medication fact, relevant when some trial's
// concept names the drug by code or name.
func (c *resCtx) medicationResource(patient string, fact *facts.Medication) *facts.Resource {
	return &facts.Resource{Patient: patient, Relevant: c.m.vocab.Match(fact.Codes, fact.Texts...) != nil, Medication: fact}
}

// nonEmpty drops empty strings.
func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func requestPeriod(mr *mrpb.MedicationRequest, dosage *d4pb.Dosage) (start, end time.Time) {
	for _, p := range []*d4pb.Period{
		dosage.GetTiming().GetRepeat().GetBounds().GetPeriod(),
		mr.GetDispenseRequest().GetValidityPeriod(),
	} {
		if start, end = periodStart(p), periodEnd(p); !start.IsZero() || !end.IsZero() {
			return start, end
		}
	}
	return dateTime(mr.GetAuthoredOn()), time.Time{}
}

func firstDosage(ds []*d4pb.Dosage) *d4pb.Dosage {
	if len(ds) == 0 {
		return nil
	}
	return ds[0]
}
