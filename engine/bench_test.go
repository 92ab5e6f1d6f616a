package engine

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
)

const samplePatient = "../testdata/patients/synthea-transaction-candidate.json"

// BenchmarkMapApplyEvaluate is the per-resource cost of a decision: one lab
// Observation parsed and mapped, applied to a sample patient, and the trial
// evaluated.
func BenchmarkMapApplyEvaluate(b *testing.B) {
	e := newEvaluator(b)
	f, err := os.Open(samplePatient)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out Outcome
	patients := e.Patients([]Input{{Name: samplePatient, R: f}}, &out)
	var p *facts.Patient
	for _, x := range patients {
		p = x
	}
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		obs := fmt.Sprintf(`{"resourceType":"Observation","id":"bench","meta":{"versionId":"%d"},"status":"final",
 "code":{"coding":[{"system":"http://loinc.org","code":"751-8","display":"Neutrophils [#/volume] in Blood by Automated count"}]},
 "subject":{"reference":%q},"effectiveDateTime":"2026-10-31T08:00:00Z",
 "valueQuantity":{"value":%d.1,"unit":"10*3/uL","system":"http://unitsofmeasure.org","code":"10*3/uL"},
 "referenceRange":[{"low":{"value":1.8,"unit":"10*3/uL"},"high":{"value":7.7,"unit":"10*3/uL"}}]}`, i, p.ID, 1+i%3)
		for _, r := range e.Map([]byte(obs), fhirmap.Position{File: "bench"}) {
			if r.Fact == nil {
				b.Fatalf("not mapped: %+v", r)
			}
			p.Apply(*r.Fact)
		}
		e.Evaluate(p, asOf)
	}
}
