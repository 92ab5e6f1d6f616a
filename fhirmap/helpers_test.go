package fhirmap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialscout/trialscout/evaluator/facts"
)

const (
	loinc  = "http://loinc.org"
	snomed = "http://snomed.info/sct"
	icd10  = "http://hl7.org/fhir/sid/icd-10-cm"
	rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	cvx    = "http://hl7.org/fhir/sid/cvx"
)

// sharedDir is the project's shared data, beside the checkout.
const sharedDir = "../../shared"

// testVocabulary is a small slice of the SLE trial's value sets.
func testVocabulary(t testing.TB) *facts.Vocabulary {
	t.Helper()
	code := func(system string, codes ...string) []facts.Coding {
		var out []facts.Coding
		for _, c := range codes {
			out = append(out, facts.Coding{System: system, Code: c})
		}
		return out
	}
	v, err := facts.NewVocabulary([]facts.ConceptSpec{
		{Name: "anc", Codes: code(loinc, "751-8")},
		{Name: "hemoglobin", Codes: code(loinc, "718-7")},
		{Name: "spo2", Codes: code(loinc, "59408-5")},
		{Name: "inhaled-oxygen", Codes: code(loinc, "3151-8")},
		{Name: "ana", Codes: code(loinc, "5048-4")},
		{Name: "sle", Codes: append(code(snomed, "55464009"), code(icd10, "M32.1*")...)},
		{Name: "prednisone", Codes: code(rxnorm, "8640"), Names: []string{"prednisone"}, Ingredient: true},
		{Name: "methylprednisolone", Names: []string{"methylprednisolone"}, Ingredient: true},
		{Name: "mycophenolate", Names: []string{"mycophenolate mofetil", "mycophenolic acid"}, Ingredient: true},
		{Name: "corticosteroid", Includes: []string{"prednisone", "methylprednisolone"}},
		{Name: "live-vaccine", Codes: code(cvx, "03")},
		{Name: "lnp-allergen", Names: []string{"polyethylene glycol", "PEG"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newTestMapper(t testing.TB, opts Options) *Mapper {
	t.Helper()
	m, err := New(testVocabulary(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newFullMapper parses every resource in full, skipping the skim: tests of
// what the mapping reads from each field use it, since some of their
// resources match no concept and the skim would leave those fields out.
func newFullMapper(t testing.TB) *Mapper {
	t.Helper()
	m := newTestMapper(t, Options{})
	m.noSkim = true
	return m
}

// readFile reads one file through Read, failing the test on an error.
func readFile(t testing.TB, m *Mapper, path string) []Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := m.Read(f, filepath.Base(path))
	if err != nil {
		t.Fatalf("Read(%s): %v", path, err)
	}
	return res
}

// requireShared skips a test when the shared data is not beside the checkout.
func requireShared(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(sharedDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared data %s is absent (%v): these tests need the checkout beside /work/shared", dir, err)
	}
	return dir
}

// conceptsOf is what the test vocabulary makes of a fact's codes and texts.
func conceptsOf(t testing.TB, codes []facts.Coding, texts ...string) string {
	t.Helper()
	return strings.Join(testVocabulary(t).Match(codes, texts...), ",")
}

// isPatientRef reports whether s names a Patient: "Patient/id" or
// "<base>/Patient/id".
func isPatientRef(s string) bool {
	return strings.HasPrefix(s, "Patient/") || strings.Contains(s, "/Patient/")
}
