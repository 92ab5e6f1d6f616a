package evaluator_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden pins one patient's full evaluation, reasons and evidence
// included, so that a change to wording or evidence shows in review.
// Rewrite with: go test ./evaluator/ -run TestGolden -update
func TestGolden(t *testing.T) {
	prog := program(t)
	cases := map[string]func() *builder{
		"base-candidate": base,
		"ineligible-mixed": func() *builder {
			b := base()
			relab("anc", 1.2, "10*9/L", daysBefore(2))(b)
			b.without("lvef").without("hcg")
			b.condition("atrial-arrhythmia", "active", daysBefore(40))
			b.withoutMed("prednisone").med(pred, "active", daysBefore(300), never, 35)
			return b
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(prog.Evaluate(build().p, asOf), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
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
		})
	}
}
