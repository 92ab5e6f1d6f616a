package fhirmap

import "testing"

// labObservation is a typical ~1 KB lab result a trial reads.
var labObservation = []byte(`{
  "resourceType": "Observation",
  "id": "anc-2026-10-26",
  "meta": {"versionId": "1", "lastUpdated": "2026-10-26T09:12:00Z"},
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory", "display": "Laboratory"}]}],
  "code": {
    "coding": [{"system": "http://loinc.org", "code": "751-8", "display": "Neutrophils [#/volume] in Blood by Automated count"}],
    "text": "Absolute neutrophil count"
  },
  "subject": {"reference": "Patient/p-123", "display": "Patient 123"},
  "effectiveDateTime": "2026-10-26T08:00:00Z",
  "issued": "2026-10-26T09:12:00Z",
  "performer": [{"reference": "Organization/lab-1", "display": "Central Laboratory"}],
  "valueQuantity": {"value": 3.2, "unit": "10*9/L", "system": "http://unitsofmeasure.org", "code": "10*9/L"},
  "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N", "display": "Normal"}]}],
  "referenceRange": [{
    "low": {"value": 1.8, "unit": "10*9/L", "system": "http://unitsofmeasure.org", "code": "10*9/L"},
    "high": {"value": 7.7, "unit": "10*9/L", "system": "http://unitsofmeasure.org", "code": "10*9/L"},
    "text": "1.8-7.7"
  }]
}`)

// irrelevantObservation is a vital sign no trial concept names: it is still
// parsed and mapped (with no concepts), since only codes tell.
var irrelevantObservation = []byte(`{
  "resourceType": "Observation", "id": "bp-1", "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"}]},
  "subject": {"reference": "Patient/p-123"},
  "effectiveDateTime": "2026-10-26T08:00:00Z",
  "valueQuantity": {"value": 36.8, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"}
}`)

func benchmarkMap(b *testing.B, data []byte) {
	m := newTestMapper(b, Options{})
	pos := Position{File: "bench.json"}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if r := m.Map(data, pos); len(r) != 1 || r[0].Fact == nil {
			b.Fatalf("not mapped: %+v", r)
		}
	}
}

func BenchmarkMapObservation(b *testing.B) { benchmarkMap(b, labObservation) }

func BenchmarkMapIrrelevantObservation(b *testing.B) { benchmarkMap(b, irrelevantObservation) }
