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

// irrelevantObservation is a vital sign no trial concept names: it is mapped
// (with no concepts) from its header, without the full parse (skim.go).
var irrelevantObservation = []byte(`{
  "resourceType": "Observation", "id": "bp-1", "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"}]},
  "subject": {"reference": "Patient/p-123"},
  "effectiveDateTime": "2026-10-26T08:00:00Z",
  "valueQuantity": {"value": 36.8, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"}
}`)

func benchmarkMap(b *testing.B, data []byte) {
	benchmarkMapper(b, newTestMapper(b, Options{}), data)
}

func benchmarkMapper(b *testing.B, m *Mapper, data []byte) {
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

// sleCondition is a diagnosis a trial reads, coded in SNOMED and ICD-10-CM.
var sleCondition = []byte(`{
  "resourceType": "Condition", "id": "sle-1",
  "meta": {"versionId": "2", "lastUpdated": "2026-09-01T10:00:00Z"},
  "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
  "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}],
  "code": {"coding": [
    {"system": "http://snomed.info/sct", "code": "55464009", "display": "Systemic lupus erythematosus"},
    {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M32.14", "display": "Glomerular disease in systemic lupus erythematosus"}
  ], "text": "SLE with lupus nephritis"},
  "subject": {"reference": "Patient/p-123"},
  "onsetDateTime": "2019-03-14",
  "recordedDate": "2019-04-02T11:30:00Z"
}`)

// irrelevantCondition is a diagnosis no trial concept names, by code or name.
var irrelevantCondition = []byte(`{
  "resourceType": "Condition", "id": "htn-1",
  "meta": {"versionId": "1", "lastUpdated": "2026-09-01T10:00:00Z"},
  "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
  "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis"}]}],
  "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}], "text": "Hypertension"},
  "subject": {"reference": "Patient/p-123"},
  "encounter": {"reference": "Encounter/e-1"},
  "onsetDateTime": "2015-06-01T08:00:00+02:00",
  "recordedDate": "2015-06-01T08:00:00+02:00"
}`)

// prednisoneStatement is a drug a trial reads, named in the coding display.
var prednisoneStatement = []byte(`{
  "resourceType": "MedicationStatement", "id": "pred-1",
  "meta": {"versionId": "1", "lastUpdated": "2026-10-01T10:00:00Z"},
  "status": "active",
  "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "312615", "display": "predniSONE 20 MG Oral Tablet"}]},
  "subject": {"reference": "Patient/p-123"},
  "effectivePeriod": {"start": "2026-06-01"},
  "dosage": [{"text": "10 mg daily", "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}]},
    "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}],
    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}]
}`)

// irrelevantStatement is a drug no trial concept names.
var irrelevantStatement = []byte(`{
  "resourceType": "MedicationStatement", "id": "aml-1",
  "meta": {"versionId": "1", "lastUpdated": "2026-10-01T10:00:00Z"},
  "status": "active",
  "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197361", "display": "amLODIPine 5 MG Oral Tablet"}]},
  "subject": {"reference": "Patient/p-123"},
  "effectivePeriod": {"start": "2026-06-01"},
  "dosage": [{"text": "5 mg daily", "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}]},
    "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}],
    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}]
}`)

func BenchmarkMapCondition(b *testing.B) { benchmarkMap(b, sleCondition) }

func BenchmarkMapIrrelevantCondition(b *testing.B) { benchmarkMap(b, irrelevantCondition) }

func BenchmarkMapMedicationStatement(b *testing.B) { benchmarkMap(b, prednisoneStatement) }

func BenchmarkMapIrrelevantMedicationStatement(b *testing.B) { benchmarkMap(b, irrelevantStatement) }

// BenchmarkFullParse maps the irrelevant inputs the way they were before the
// skim, parsed in full, for comparing in one run.
func BenchmarkFullParse(b *testing.B) {
	for _, in := range []struct {
		name string
		data []byte
	}{
		{"IrrelevantObservation", irrelevantObservation},
		{"IrrelevantCondition", irrelevantCondition},
		{"IrrelevantMedicationStatement", irrelevantStatement},
	} {
		b.Run(in.name, func(b *testing.B) { benchmarkMapper(b, newFullMapper(b), in.data) })
	}
}
