package fhirmap

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// skimTally counts what the comparison of the two paths saw.
type skimTally struct {
	mu sync.Mutex
	// unmatched are facts no concept matches (skimmed, or parsed in full
	// because the skim could not judge them); skimmed are those that differ
	// from the full parse's (a skimmed fact holding all the full one does
	// is not counted); unvalidated are resources the full parse rejects and
	// the skim maps: it does not validate.
	results, unmatched, skimmed, unvalidated int
}

// compareSkim checks one input's results mapped with the skim (fast) against
// the same input parsed in full: where they differ, the skim answered, and
// the full parse must give a fact no concept matches, of which the skimmed
// fact holds the same fields (skimmedView), or reject the resource as
// invalid FHIR. It must never skip a resource a concept matches, nor map one
// the full path rejects for its patient, id or size.
func compareSkim(t testing.TB, name string, fast, full []Result, tally *skimTally) {
	t.Helper()
	if len(fast) != len(full) {
		t.Errorf("%s: %d results with the skim, %d without", name, len(fast), len(full))
		return
	}
	unmatched, skimmed, unvalidated := 0, 0, 0
	for i, f := range fast {
		s := full[i]
		if f.Fact != nil && !relevant(f.Fact) {
			unmatched++
		}
		if reflect.DeepEqual(f, s) || (f.Err != nil && s.Err != nil && f.Pos == s.Pos && f.Ref == s.Ref) {
			continue // both parsed in full (jsonformat lists problems in no fixed order)
		}
		switch {
		case f.Fact == nil || relevant(f.Fact) || f.Pos != s.Pos || f.Type != s.Type || f.Ref != s.Ref:
			t.Errorf("%s: differs from the full parse where the skim cannot have answered:\nskim %+v\nfull %+v", f.Pos, f, s)
		case errors.Is(s.Err, ErrNotFHIR):
			unvalidated++
		case s.Fact == nil || s.Err != nil:
			t.Errorf("%s: skimmed to a fact, but the full path gives %+v", f.Pos, s)
		case relevant(s.Fact):
			t.Errorf("%s: skimmed, but the full parse matches %+v", f.Pos, s.Fact)
		case !reflect.DeepEqual(f.Fact, skimmedView(s.Fact)):
			t.Errorf("%s: skimmed fact differs from the full one:\nskim %s\nfull %s", f.Pos, renderResults([]Result{f}), renderResults([]Result{s}))
		default:
			skimmed++
		}
	}
	tally.mu.Lock()
	defer tally.mu.Unlock()
	tally.results += len(fast)
	tally.unmatched += unmatched
	tally.skimmed += skimmed
	tally.unvalidated += unvalidated
}

// relevant is whether the store keeps the fact's content.
func relevant(r *facts.Resource) bool {
	return r.Relevant || r.Demographics != nil || r.Allergy != nil
}

// skimmedView is the part of a fully mapped fact that the skim fills (see
// Result.Fact): what the store keeps of a resource no trial reads (its
// entry: version, retraction, an observation's effective time, a
// medication's exposure start) and what names it in messages.
func skimmedView(r *facts.Resource) *facts.Resource {
	v := &facts.Resource{Patient: r.Patient, Relevant: r.Relevant}
	switch {
	case r.Observation != nil:
		o := r.Observation
		v.Observation = &facts.Observation{Meta: o.Meta, Codes: o.Codes, Status: o.Status, Effective: o.Effective}
	case r.Condition != nil:
		c := r.Condition
		v.Condition = &facts.Condition{Meta: c.Meta, Display: c.Display, Clinical: c.Clinical, Verification: c.Verification}
	case r.Medication != nil:
		m := r.Medication
		v.Medication = &facts.Medication{Meta: m.Meta, Codes: m.Codes, Display: m.Display, Status: m.Status}
		if !m.IsRequest() {
			v.Medication.Start = m.Start
		}
	case r.Immunization != nil:
		im := r.Immunization
		v.Immunization = &facts.Immunization{Meta: im.Meta, Display: im.Display, Status: im.Status}
	case r.Procedure != nil:
		p := r.Procedure
		v.Procedure = &facts.Procedure{Meta: p.Meta, Display: p.Display, Status: p.Status}
	case r.Encounter != nil:
		e := r.Encounter
		v.Encounter = &facts.Encounter{Meta: e.Meta, Class: e.Class, Status: e.Status}
	default:
		return r // the skim makes no other fact: any difference is an error
	}
	return v
}

// shippedVocabulary is the vocabulary of the trials built into the binary:
// more codes, prefixes and drug names than the test vocabulary.
func shippedVocabulary(t testing.TB) *facts.Vocabulary {
	t.Helper()
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	progs, err := evaluator.CompileAll(trials)
	if err != nil {
		t.Fatal(err)
	}
	v, err := evaluator.Relevance(progs...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// skimPair is a Mapper with the skim and one without, on one vocabulary.
type skimPair struct{ fast, full *Mapper }

func newSkimPairs(t testing.TB) map[string]skimPair {
	pairs := map[string]skimPair{}
	for name, v := range map[string]*facts.Vocabulary{"test": testVocabulary(t), "shipped": shippedVocabulary(t)} {
		fast, err := New(v, Options{})
		if err != nil {
			t.Fatal(err)
		}
		full, _ := New(v, Options{})
		full.noSkim = true
		pairs[name] = skimPair{fast, full}
	}
	return pairs
}

// compareFile reads one file both ways.
func (p skimPair) compareFile(t testing.TB, file string, tally *skimTally) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Error(err)
		return
	}
	name := filepath.Base(file)
	fast, errFast := p.fast.Read(bytes.NewReader(data), name)
	full, errFull := p.full.Read(bytes.NewReader(data), name)
	if (errFast == nil) != (errFull == nil) {
		t.Errorf("%s: Read error %v with the skim, %v without", file, errFast, errFull)
	}
	compareSkim(t, file, fast, full, tally)
}

// TestSkimMatchesFullParse maps the project's inputs, the worked scenarios
// and the public samples with and without the skim: wherever the skim
// answered, the full parse gives a fact no concept matches, with the same
// patient and version. The small inputs are read with the test vocabulary
// and the shipped trials' one; the samples, whose full parse takes seconds,
// with the shipped one only.
func TestSkimMatchesFullParse(t *testing.T) {
	pairs := newSkimPairs(t)
	inputs := map[string]func(t *testing.T) []string{
		"testdata": func(t *testing.T) []string {
			patients, err := filepath.Glob("../testdata/patients/*.*json")
			if err != nil || len(patients) == 0 {
				t.Fatalf("no sample patients under ../testdata/patients (%v)", err)
			}
			return append(testdataInputs(t), patients...)
		},
		"scenarios":    func(t *testing.T) []string { return sharedFiles(t, "scenarios") },
		"fhir-samples": func(t *testing.T) []string { return sharedFiles(t, "fhir-samples") },
	}
	for _, vocab := range []string{"test", "shipped"} {
		for _, in := range []string{"testdata", "scenarios", "fhir-samples"} {
			if vocab == "test" && in == "fhir-samples" {
				continue
			}
			t.Run(vocab+"/"+in, func(t *testing.T) {
				files := inputs[in](t)
				tally := &skimTally{}
				forEachParallel(files, func(f string) { pairs[vocab].compareFile(t, f, tally) })
				t.Logf("%d files, %d results: %d facts no concept matches, %d of them (at least) skimmed; %d invalid resources mapped unvalidated",
					len(files), tally.results, tally.unmatched, tally.skimmed, tally.unvalidated)
				if tally.unmatched == 0 {
					t.Error("no fact without concepts: the comparison tested nothing")
				}
			})
		}
	}
}

// sharedFiles lists the .json and .ndjson files under ../shared/sub,
// skipping the test when it is absent.
func sharedFiles(t *testing.T, sub string) []string {
	root := requireShared(t, sub)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".expected.json") &&
			(strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSkimDoesNotValidate pins the choice skim.go documents: a resource no
// concept matches is mapped from its header, invalid or not, while the same
// resource with a matching code is parsed and rejected.
func TestSkimDoesNotValidate(t *testing.T) {
	m := newTestMapper(t, Options{})
	const invalid = `{"resourceType": "Observation", "id": "bad", "status": "done", "colour": "red",
		"code": {"coding": [{"system": "http://loinc.org", "code": %q}]}, "subject": {"reference": "Patient/x"}}`
	for code, want := range map[string]string{"8310-5": "fact", "751-8": "rejected"} {
		rs := m.Map([]byte(strings.Replace(invalid, "%q", `"`+code+`"`, 1)), Position{File: "bad.json"})
		if len(rs) != 1 || outcome(rs[0]) != want {
			t.Errorf("LOINC %s: %s, want %s", code, renderResults(rs), want)
		}
	}
}

// FuzzSkim checks the skim against the full parse on arbitrary input, as
// TestSkimMatchesFullParse does on real data.
func FuzzSkim(f *testing.F) {
	for _, file := range testdataInputs(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range [][]byte{labObservation, irrelevantObservation, sleCondition, irrelevantCondition,
		prednisoneStatement, irrelevantStatement} {
		f.Add(seed)
	}
	for _, seed := range skimEdgeCases {
		f.Add([]byte(seed))
	}
	fast := newTestMapper(f, Options{MaxResourceBytes: 64 << 10, MaxDocumentBytes: 1 << 20})
	full := newTestMapper(f, Options{MaxResourceBytes: 64 << 10, MaxDocumentBytes: 1 << 20})
	full.noSkim = true
	f.Fuzz(func(t *testing.T, data []byte) {
		pos := Position{File: "fuzz.json"}
		compareSkim(t, "fuzz.json", fast.Map(data, pos), full.Map(data, pos), &skimTally{})
	})
}

// skimEdgeCases are resources near the skim's edges: keys in another case,
// references jsonformat rewrites, times in every layout, names in displays,
// drugs named by reference, fields of the wrong type. Each is compared with
// the full parse, and seeds FuzzSkim.
var skimEdgeCases = []string{
	// Relevant only through a component, a display name, a text name.
	`{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"59408-5"}]},"subject":{"reference":"Patient/p"},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"3151-8"}]},"valueQuantity":{"value":2}}]}`,
	`{"resourceType":"Observation","id":"o2","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":"Patient/p"},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]}}]}`,
	`{"resourceType":"Condition","id":"c1","code":{"coding":[{"system":"http://snomed.info/sct","code":"1","display":"Allergy to Prednisone"}]},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Procedure","id":"pr1","status":"completed","code":{"text":"PEG tube placement"},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Condition","id":"c2","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M32.19"}]},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Condition","id":"c3","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M32.2"}]},"verificationStatus":{"coding":[{"code":"entered-in-error"}]},"clinicalStatus":{"coding":[{"system":"x"},{"code":"active"}]},"subject":{"reference":"Patient/p"}}`,
	// Keys in upper camel case (jsonformat accepts them), or another case.
	`{"resourceType":"Observation","id":"o3","status":"final","Code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Observation","id":"o4","status":"final","code":{"Coding":[{"System":"http://loinc.org","Code":"751-8"}]},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Observation","id":"o5","status":"final","CODE":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Observation","id":"o6","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751\u002d8"}]},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Observation","id":"o7","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"code":{"text":"x"},"subject":{"reference":"Patient/p"}}`,
	// References: rewritten by jsonformat, with history, absolute, contained, not a Patient.
	`{"resourceType":"Observation","id":"o8","status":"final","code":{"text":"x"},"subject":{"reference":"patient/p"}}`,
	`{"resourceType":"Observation","id":"o9","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p/_history/2"}}`,
	`{"resourceType":"Observation","id":"o10","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p/_history/"}}`,
	`{"resourceType":"Observation","id":"o11","status":"final","code":{"text":"x"},"subject":{"reference":"https://example.org/fhir/Patient/p"}}`,
	`{"resourceType":"Observation","id":"o12","status":"final","code":{"text":"x"},"subject":{"reference":"#p"},"contained":[{"resourceType":"Patient","id":"p"}]}`,
	`{"resourceType":"Observation","id":"o13","status":"final","code":{"text":"x"},"subject":{"reference":"Group/g"}}`,
	`{"resourceType":"Observation","id":"o14","status":"final","code":{"text":"x"},"subject":{"display":"someone"}}`,
	`{"resourceType":"Immunization","id":"i1","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08"}]},"patient":{"reference":"Patient/p"},"occurrenceDateTime":"2026"}`,
	`{"resourceType":"Immunization","id":"i2","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03"}]},"patient":{"reference":"Patient/p"},"occurrenceDateTime":"2026"}`,
	// Times in every layout, and some in none.
	`{"resourceType":"Observation","id":"t1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-05-17T10:00:00.1234567+05:30","meta":{"versionId":"3","lastUpdated":"2026-05-18T07:00:00.123456789Z"}}`,
	`{"resourceType":"Observation","id":"t2","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectivePeriod":{"start":"2026-05"},"issued":"2026-05-18T07:00:00-03:00"}`,
	`{"resourceType":"Observation","id":"t3","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectivePeriod":{"end":"1969-12-31T23:59:59.9999995Z"}}`,
	`{"resourceType":"Observation","id":"t4","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-05-17T10:00:00"}`,
	`{"resourceType":"Observation","id":"t5","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2016-12-31T23:59:60Z"}`,
	`{"resourceType":"Observation","id":"t6","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectiveInstant":"2026-05-17","effectiveTiming":{}}`,
	`{"resourceType":"Observation","id":"t7","status":"entered-in-error","code":{"text":"x"},"subject":{"reference":"Patient/p"},"effectiveDateTime":null,"meta":{"lastUpdated":"2026"}}`,
	// Drugs: by reference (contained, matching), by code, by name.
	`{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","medicationReference":{"reference":"#med"},"contained":[{"resourceType":"Medication","id":"med","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"8640"}]}}],"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"MedicationRequest","id":"m2","status":"active","intent":"order","medicationReference":{"reference":"Medication/x","display":"aspirin"},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"MedicationStatement","id":"m3","status":"active","medicationCodeableConcept":{"text":"Mycophenolate Mofetil 500 MG"},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"MedicationStatement","id":"m4","status":"stopped","medicationCodeableConcept":{"text":"aspirin"},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-01-01"}`,
	// Fields of the wrong type.
	`{"resourceType":"Observation","id":"w1","status":"final","code":[{"coding":[]}],"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Observation","id":"w2","status":1,"code":{"text":"x"},"subject":{"reference":"Patient/p"}}`,
	`{"resourceType":"Observation","id":"w3","status":"final","code":{"coding":[null]},"subject":"Patient/p"}`,
	`{"resourceType":"Observation","id":7,"status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"}}`,
	// In a Bundle: urn:uuid references, an entry without an id.
	`{"resourceType":"Bundle","type":"transaction","entry":[
	  {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111","resource":{"resourceType":"Patient","id":"pb"}},
	  {"fullUrl":"urn:uuid:22222222-2222-2222-2222-222222222222","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"}}},
	  {"fullUrl":"urn:uuid:33333333-3333-3333-3333-333333333333","resource":{"resourceType":"Medication","id":"mb","code":{"text":"prednisone 5 mg"}}},
	  {"resource":{"resourceType":"MedicationRequest","id":"mrb","status":"active","intent":"order","medicationReference":{"reference":"urn:uuid:33333333-3333-3333-3333-333333333333"},"subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"}}},
	  {"resource":{"resourceType":"Condition","code":{"text":"x"},"subject":{"reference":"urn:uuid:44444444-4444-4444-4444-444444444444"}}},
	  {"resource":{"resourceType":"Condition","id":"cb","code":{"text":"x"},"subject":{"reference":"urn:uuid:44444444-4444-4444-4444-444444444444"}}}
	]}`,
}

func TestSkimEdgeCases(t *testing.T) {
	for name, p := range newSkimPairs(t) {
		tally := &skimTally{}
		for i, c := range skimEdgeCases {
			pos := Position{File: "edge.json", Line: i + 1}
			compareSkim(t, name, p.fast.Map([]byte(c), pos), p.full.Map([]byte(c), pos), tally)
		}
		t.Logf("%s vocabulary: %d results, %d facts no concept matches, %d skimmed, %d unvalidated",
			name, tally.results, tally.unmatched, tally.skimmed, tally.unvalidated)
	}
}
