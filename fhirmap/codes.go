package fhirmap

import (
	"strings"

	apb "github.com/google/fhir/go/proto/google/fhir/proto/annotations_go_proto"
	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// systemNames are the short names reasons use for well-known code systems.
var systemNames = map[string]string{
	"http://loinc.org":                            "LOINC",
	"http://snomed.info/sct":                      "SNOMED",
	"http://hl7.org/fhir/sid/icd-10-cm":           "ICD-10-CM",
	"http://hl7.org/fhir/sid/icd-10":              "ICD-10",
	"http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
	"http://www.whocc.no/atc":                     "ATC",
	"http://hl7.org/fhir/sid/cvx":                 "CVX",
	"http://unitsofmeasure.org":                   "UCUM",
}

// codeName names a coding for reasons: "LOINC 751-8", or the system URL
// when it has no short name.
func codeName(c facts.Coding) string {
	system := c.System
	if short, ok := systemNames[system]; ok {
		system = short
	}
	if system == "" {
		return c.Code
	}
	return system + " " + c.Code
}

// codings returns a CodeableConcept's codings.
func codings(cc *d4pb.CodeableConcept) []facts.Coding {
	var out []facts.Coding
	for _, c := range cc.GetCoding() {
		out = append(out, facts.Coding{
			System:  c.GetSystem().GetValue(),
			Code:    c.GetCode().GetValue(),
			Display: c.GetDisplay().GetValue(),
		})
	}
	return out
}

// conceptText is a CodeableConcept's text, else its first coding display.
func conceptText(cc *d4pb.CodeableConcept) string {
	if t := cc.GetText().GetValue(); t != "" {
		return t
	}
	for _, c := range cc.GetCoding() {
		if d := c.GetDisplay().GetValue(); d != "" {
			return d
		}
	}
	return ""
}

// firstCode is the first code of a CodeableConcept used as a status
// (Condition.clinicalStatus, verificationStatus).
func firstCode(cc *d4pb.CodeableConcept) string {
	for _, c := range cc.GetCoding() {
		if code := c.GetCode().GetValue(); code != "" {
			return code
		}
	}
	return ""
}

// enumCode returns the FHIR code of one of jsonformat's code messages (a
// status, a gender, a comparator): the enum value's original code when the
// proto records one ("<" for LESS_THAN), else its name in FHIR spelling
// (ENTERED_IN_ERROR is "entered-in-error"). "" when absent.
func enumCode(m proto.Message) string {
	if m == nil {
		return ""
	}
	rm := m.ProtoReflect()
	if !rm.IsValid() {
		return ""
	}
	f := rm.Descriptor().Fields().ByName("value")
	if f == nil || f.Kind() != protoreflect.EnumKind {
		return ""
	}
	ev := f.Enum().Values().ByNumber(rm.Get(f).Enum())
	if ev == nil || ev.Number() == 0 {
		return ""
	}
	if orig, _ := proto.GetExtension(ev.Options(), apb.E_FhirOriginalCode).(string); orig != "" {
		return orig
	}
	return strings.ReplaceAll(strings.ToLower(string(ev.Name())), "_", "-")
}
