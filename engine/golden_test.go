package engine

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden evaluations in testdata/golden/")

// TestGoldenEvaluations pins the whole evaluation (reasons, evidence,
// valid_until) of the heart-failure trial's worked patients, so that a
// change of wording or evidence shows in review. Their results are checked
// by TestSamplePatients; rewrite with: go test ./engine/ -run TestGolden -update
func TestGoldenEvaluations(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplePatientsDir, "hf-*.expected.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no heart-failure sample patients: %v", err)
	}
	e := newEvaluator(t)
	for _, expFile := range files {
		name := strings.TrimSuffix(filepath.Base(expFile), ".expected.json")
		t.Run(name, func(t *testing.T) {
			want := readExpectation(t, expFile)
			f, err := os.Open(sampleInput(t, strings.TrimSuffix(expFile, ".expected.json")))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out := e.Run([]Input{{Name: name, R: f}}, want.AsOf)
			for _, ev := range out.Evaluations {
				if ev.Trial == want.Trial && ev.Patient == want.Patient {
					compareGolden(t, filepath.Join("testdata", "golden", name+".golden.json"), ev)
					return
				}
			}
			t.Fatalf("no evaluation of %s for %s", want.Trial, want.Patient)
		})
	}
}

func compareGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("evaluation differs from %s (-want +got):\n%s", path, diff)
	}
}
