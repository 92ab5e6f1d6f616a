package fhirmap

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trialscout/trialscout/evaluator/facts"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current output")

// goldenResult is a Result as the golden files show it.
type goldenResult struct {
	Pos  string `json:"pos"`
	Type string `json:"type,omitempty"`
	Ref  string `json:"ref,omitempty"`
	// Relevant is whether some trial reads the fact.
	Relevant *bool           `json:"relevant,omitempty"`
	Fact     *facts.Resource `json:"fact,omitempty"`
	Ignored  string          `json:"ignored,omitempty"`
	Err      string          `json:"error,omitempty"`
}

func renderResults(results []Result) []byte {
	out := make([]goldenResult, len(results))
	for i, r := range results {
		out[i] = goldenResult{Pos: r.Pos.String(), Type: r.Type, Ref: r.Ref, Fact: r.Fact, Ignored: r.Ignored}
		if r.Fact != nil {
			out[i].Relevant = &r.Fact.Relevant
		}
		if r.Err != nil {
			out[i].Err = r.Err.Error()
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// testdataInputs lists the hand-written inputs under testdata/.
func testdataInputs(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/*.json", "testdata/*.ndjson"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no inputs under testdata/")
	}
	return files
}

// TestGolden maps every hand-written input and compares the whole outcome,
// fact by fact, with testdata/golden/NAME.golden (go test -update rewrites).
func TestGolden(t *testing.T) {
	m := newTestMapper(t, Options{})
	for _, file := range testdataInputs(t) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			got := renderResults(readFile(t, m, file))
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, filepath.Ext(name))+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (go test -update rewrites it); got:\n%s", name, golden, got)
			}
		})
	}
}
