package fhirmap

import (
	"strings"
	"testing"

	"github.com/trialscout/trialscout/evaluator/facts"
)

const transactionBundle = `{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111",
  "resource":{"resourceType":"Patient","id":"11111111-1111-1111-1111-111111111111","birthDate":"1990-01-01"},
  "request":{"method":"POST","url":"Patient"}},
 {"fullUrl":"urn:uuid:22222222-2222-2222-2222-222222222222",
  "resource":{"resourceType":"Observation","id":"22222222-2222-2222-2222-222222222222","meta":{"versionId":"3"},"status":"final",
   "code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},
   "subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"},
   "effectiveDateTime":"2026-10-30","valueQuantity":{"value":1.10,"unit":"10*9/L"}},
  "request":{"method":"POST","url":"Observation"}},
 {"request":{"method":"DELETE","url":"Observation/old"}}]}`

func TestSplitRewritesBundleReferences(t *testing.T) {
	parts, errs := Split([]byte(transactionBundle), Position{File: "t.json"})
	if len(errs) != 0 || len(parts) != 2 {
		t.Fatalf("parts %d, errors %v; want 2 parts, no errors", len(parts), errs)
	}
	obs := parts[1]
	if obs.Type != "Observation" || obs.VersionID != "3" || obs.Pos.String() != "t.json entry[1]" {
		t.Errorf("part %+v", obs)
	}
	body := string(obs.JSON)
	if !strings.Contains(body, `"reference":"Patient/11111111-1111-1111-1111-111111111111"`) || !strings.Contains(body, `"value":1.10`) {
		t.Errorf("rewritten resource %s", body)
	}
	// The split resource, read on its own, still belongs to the patient.
	vocab, _ := facts.NewVocabulary([]facts.ConceptSpec{{Name: "anc", Codes: []facts.Coding{{System: "http://loinc.org", Code: "751-8"}}}})
	m, _ := New(vocab, Options{})
	res := m.Map(obs.JSON, obs.Pos)
	if len(res) != 1 || res[0].Err != nil || res[0].Fact.Patient != "Patient/11111111-1111-1111-1111-111111111111" {
		t.Fatalf("split resource maps to %+v", res)
	}
}

func TestSplitContainsBundleMedications(t *testing.T) {
	doc := `{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1"}},
 {"fullUrl":"urn:uuid:m1","resource":{"resourceType":"Medication","id":"m1",
   "code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"312617","display":"predniSONE 5 MG Oral Tablet"}]}}},
 {"fullUrl":"urn:uuid:r1","resource":{"resourceType":"MedicationRequest","id":"r1","status":"active","intent":"order",
   "medicationReference":{"reference":"urn:uuid:m1"},"subject":{"reference":"urn:uuid:p1"},"authoredOn":"2026-01-01"}}]}`
	parts, errs := Split([]byte(doc), Position{File: "b"})
	if len(errs) != 0 || len(parts) != 3 {
		t.Fatalf("parts %d, errors %v", len(parts), errs)
	}
	body := string(parts[2].JSON)
	if !strings.Contains(body, `"reference":"#m1"`) || !strings.Contains(body, `"contained":[{`) || !strings.Contains(body, "predniSONE 5 MG") {
		t.Errorf("request sent alone does not carry its drug: %s", body)
	}
	vocab, _ := facts.NewVocabulary([]facts.ConceptSpec{{Name: "prednisone", Names: []string{"prednisone"}, Ingredient: true}})
	m, _ := New(vocab, Options{})
	res := m.Map(parts[2].JSON, parts[2].Pos)
	if len(res) != 1 || res[0].Fact == nil || res[0].Fact.Medication == nil || !res[0].Fact.Relevant {
		t.Fatalf("split request maps to %+v", res)
	}
}

func TestSplitErrors(t *testing.T) {
	if _, errs := Split([]byte(`{"resourceType":`), Position{File: "x"}); len(errs) != 1 {
		t.Errorf("truncated JSON gave %v", errs)
	}
	parts, errs := Split([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"id":"x"}},{"resource":{"resourceType":"Patient","id":"p"}}]}`), Position{File: "b"})
	if len(parts) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "b entry[0]") {
		t.Errorf("parts %v errors %v", parts, errs)
	}
}
