package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const patientA = `{"resourceType":"Patient","id":"a","gender":"male","birthDate":"1980-01-01"}`
const patientB = `{"resourceType":"Bundle","type":"collection","entry":[
 {"resource":{"resourceType":"Patient","id":"b","gender":"female","birthDate":"2010-06-01"}},
 {"resource":{"resourceType":"Observation","id":"anc","status":"final",
   "code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},
   "subject":{"reference":"Patient/b"},"effectiveDateTime":"2026-10-30",
   "valueQuantity":{"value":2.1,"unit":"10*3/uL","system":"http://unitsofmeasure.org","code":"10*3/uL"}}}]}`

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestEvalExitCodesAndOrder(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.json", patientA)
	b := writeFile(t, dir, "b.json", patientB)
	bad := writeFile(t, dir, "bad.ndjson", patientA+"\n{\"resourceType\":\"Observation\",\"id\":\"x\"\nnot json\n")
	// One line per patient and shipped trial (sle-refractory, hf-outpatient).
	cases := []struct {
		name      string
		stdin     string
		args      []string
		wantCode  int
		wantLines int
		wantErr   string
	}{
		{"two files, sorted by patient", "", []string{"eval", "--as-of", "2026-11-01", b, a}, 0, 4, ""},
		{"stdin", patientA, []string{"eval", "--as-of", "2026-11-01T00:00:00Z", "-"}, 0, 2, ""},
		{"a rejected line", "", []string{"eval", "--as-of", "2026-11-01", bad}, 1, 2, "bad.ndjson:2"},
		{"nothing readable", "not json", []string{"eval", "-"}, 2, 0, "nothing could be read"},
		{"no files", "", []string{"eval"}, 2, 0, "no input files"},
		{"bad as-of", "", []string{"eval", "--as-of", "yesterday", a}, 2, 0, "neither RFC 3339 nor YYYY-MM-DD"},
		{"unknown trial", "", []string{"eval", "--trial", "nope", a}, 2, 0, `no trial "nope"`},
		{"missing file", "", []string{"eval", filepath.Join(dir, "missing.json")}, 2, 0, "missing.json"},
		{"missing file beside a good one", "", []string{"eval", "--as-of", "2026-11-01", a, filepath.Join(dir, "missing.json")}, 1, 2, "missing.json"},
		{"unknown flag", "", []string{"eval", "--frobnicate", a}, 2, 0, "unknown flag"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, tc.args...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if out == "" {
				lines = nil
			}
			if code != tc.wantCode || len(lines) != tc.wantLines || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, %d lines, stderr %q; want exit %d, %d lines, stderr containing %q", code, len(lines), errOut, tc.wantCode, tc.wantLines, tc.wantErr)
			}
			var prev string
			for _, l := range lines {
				var ev struct{ Patient, Trial, Status string }
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatalf("output line is not JSON: %v", err)
				}
				if ev.Patient < prev {
					t.Errorf("output not sorted by patient: %s after %s", ev.Patient, prev)
				}
				prev = ev.Patient
			}
		})
	}
}

func TestEvalDecides(t *testing.T) {
	dir := t.TempDir()
	b := writeFile(t, dir, "b.json", patientB)
	_, out, _ := runCLI(t, "", "eval", "--as-of", "2026-11-01", "--trial", "sle-refractory", b)
	var ev struct {
		Status   string
		Criteria []struct{ ID, Result, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range ev.Criteria {
		got[c.ID] = c.Result + ": " + c.Reason
	}
	if ev.Status != "ineligible" || !strings.HasPrefix(got["I2a"], "not_met: age 16") || !strings.HasPrefix(got["I8.anc"], "met: ANC 2.1") {
		t.Errorf("status %s, I2a %q, I8.anc %q", ev.Status, got["I2a"], got["I8.anc"])
	}
}
