package fhirmap

import (
	"reflect"
	"testing"
	"time"
)

// TestEncounter: the class, period, status and reason of an Encounter, and
// when the store keeps it (a reason a concept matches, or a hospital stay
// naming a Condition).
func TestEncounter(t *testing.T) {
	const head = `{"resourceType": "Bundle", "type": "collection", "entry": [
	  {"fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111", "resource": {"resourceType": "Condition", "id": "sle-1",
	    "subject": {"reference": "Patient/e1"}, "code": {"coding": [{"system": "http://snomed.info/sct", "code": "55464009"}]}}},
	  {"resource": `
	tests := []struct {
		name       string
		encounter  string
		relevant   bool
		class      string
		reasons    int
		conditions []string
		skimmed    bool
	}{
		{"reason code of a concept", `{"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"},
		  "subject": {"reference": "Patient/e1"}, "period": {"start": "2026-10-14T09:00:00Z", "end": "2026-10-19T15:00:00Z"},
		  "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "55464009"}], "text": "SLE"}]}`,
			true, "AMB", 1, nil, false},
		{"an ambulatory visit for nothing read", `{"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"},
		  "subject": {"reference": "Patient/e1"}, "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "185347001"}]}]}`,
			false, "AMB", 1, nil, true},
		{"a stay with a reasonReference in the Bundle", `{"resourceType": "Encounter", "id": "e", "status": "finished",
		  "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}, "subject": {"reference": "Patient/e1"},
		  "reasonReference": [{"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}]}`,
			true, "IMP", 0, []string{"Condition/sle-1"}, false},
		{"a stay with a diagnosis", `{"resourceType": "Encounter", "id": "e", "status": "in-progress", "class": {"code": "ACUTE"},
		  "subject": {"reference": "Patient/e1"}, "diagnosis": [{"condition": {"reference": "Condition/elsewhere"}}]}`,
			true, "ACUTE", 0, []string{"Condition/elsewhere"}, false},
		{"an emergency visit naming a Condition", `{"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "EMER"},
		  "subject": {"reference": "Patient/e1"}, "diagnosis": [{"condition": {"reference": "Condition/elsewhere"}}]}`,
			false, "EMER", 0, []string{"Condition/elsewhere"}, true},
		{"a contained Condition gives its codes", `{"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "IMP"},
		  "contained": [{"resourceType": "Condition", "id": "dx", "subject": {"reference": "Patient/e1"},
		    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "55464009"}]}}],
		  "subject": {"reference": "Patient/e1"}, "diagnosis": [{"condition": {"reference": "#dx"}}]}`,
			true, "IMP", 1, nil, false},
		{"a reference to something else is left out", `{"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "IMP"},
		  "subject": {"reference": "Patient/e1"}, "reasonReference": [{"reference": "Observation/o"}]}`,
			false, "IMP", 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(head + tt.encounter + "}]}")
			res := newFullMapper(t).Map(doc, Position{File: "e.json"})
			if len(res) != 2 || res[1].Err != nil || res[1].Fact == nil || res[1].Fact.Encounter == nil {
				t.Fatalf("results %+v", res)
			}
			r := res[1].Fact
			e := r.Encounter
			if r.Relevant != tt.relevant || e.Class != tt.class || len(e.ReasonCodes) != tt.reasons || !reflect.DeepEqual(e.Conditions, tt.conditions) || r.Patient != "Patient/e1" {
				t.Errorf("relevant %v, class %q, reasons %v, conditions %v, patient %s", r.Relevant, e.Class, e.ReasonCodes, e.Conditions, r.Patient)
			}
			fast := newTestMapper(t, Options{}).Map(doc, Position{File: "e.json"})
			if skimmed := !reflect.DeepEqual(fast[1], res[1]); skimmed != tt.skimmed {
				t.Errorf("skimmed %v, want %v", skimmed, tt.skimmed)
			}
		})
	}
}

func TestEncounterPeriod(t *testing.T) {
	doc := []byte(`{"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "IMP", "display": "inpatient encounter"},
	  "type": [{"text": "Hospital admission"}], "subject": {"reference": "Patient/e1"},
	  "period": {"start": "2026-10-14T09:00:00Z", "end": "2026-10-19"}}`)
	e := newFullMapper(t).Map(doc, Position{})[0].Fact.Encounter
	if !e.Start.Equal(time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)) || !e.End.Equal(time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)) ||
		e.Status != "finished" || e.Display != "Hospital admission" {
		t.Errorf("%+v", e)
	}
}
