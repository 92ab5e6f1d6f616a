package fhirmap

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzMap feeds arbitrary bytes to Map and to the NDJSON reader: nothing may
// panic, and every Result must keep its contract.
func FuzzMap(f *testing.F) {
	for _, file := range testdataInputs(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{"", "null", "[]", "{}", `{"resourceType":"Bundle","entry":{}}`, patientA + "\n" + patientB} {
		f.Add([]byte(seed))
	}
	m := newTestMapper(f, Options{MaxResourceBytes: 64 << 10, MaxDocumentBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkResults(t, m.Map(data, Position{File: "fuzz.json"}))
		results, err := m.Read(bytes.NewReader(data), "fuzz.ndjson")
		if err != nil && !errors.Is(err, ErrNotJSON) {
			t.Errorf("Read: %v", err)
		}
		checkResults(t, results)
	})
}

func checkResults(t *testing.T, results []Result) {
	t.Helper()
	for _, r := range results {
		var e *Error
		switch outcome(r) {
		case "invalid":
			t.Fatalf("%+v: not exactly one outcome", r)
		case "rejected":
			if !errors.As(r.Err, &e) || e.Pos != r.Pos {
				t.Fatalf("%v: not an *Error at the result's position", r.Err)
			}
		case "fact":
			if !isPatientRef(r.Fact.Patient) || r.Fact.Meta().Ref != r.Ref || r.Ref == "" {
				t.Fatalf("fact %+v: bad patient or ref", r.Fact)
			}
		}
	}
}
