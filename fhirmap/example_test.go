package fhirmap_test

import (
	"fmt"

	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
)

func ExampleMapper_Map() {
	vocab, err := facts.NewVocabulary([]facts.ConceptSpec{
		{Name: "anc", Codes: []facts.Coding{{System: "http://loinc.org", Code: "751-8"}}},
	})
	if err != nil {
		panic(err)
	}
	m, err := fhirmap.New(vocab, fhirmap.Options{})
	if err != nil {
		panic(err)
	}
	obs := []byte(`{
	  "resourceType": "Observation", "id": "anc-1", "status": "final",
	  "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}]},
	  "subject": {"reference": "Patient/123"},
	  "effectiveDateTime": "2026-10-30",
	  "valueQuantity": {"value": 1.2, "unit": "x10^9/L", "system": "http://unitsofmeasure.org", "code": "10*9/L"}
	}`)
	for _, r := range m.Map(obs, fhirmap.Position{File: "anc.json"}) {
		if r.Err != nil {
			fmt.Println("rejected:", r.Err)
			continue
		}
		o := r.Fact.Observation
		fmt.Println(r.Ref, "of", r.Fact.Patient)
		fmt.Println(r.Fact.Relevant, o.Codes[0].Code, o.Status, o.Effective.Format("2006-01-02"))
		fmt.Println(o.Value.Quantity.Value, o.Value.Quantity.Unit)
	}

	bad := []byte(`{"resourceType": "Observation", "id": "x", "status": "final", "code": {"text": "ANC"}}`)
	for _, r := range m.Map(bad, fhirmap.Position{File: "x.json"}) {
		fmt.Println("rejected:", r.Err)
	}
	// Output:
	// Observation/anc-1 of Patient/123
	// true 751-8 final 2026-10-30
	// 1.2 10*9/L
	// rejected: x.json (Observation/x): no patient reference: no subject
}
