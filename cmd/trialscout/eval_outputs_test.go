package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var updateOutputs = flag.Bool("update-eval-outputs", false, "rewrite testdata/eval-outputs.golden from the current eval")

// evalOutputsGolden holds, for each group of inputs, the SHA-256 of what
// eval prints over it (exit status, standard output, standard error),
// recorded from main before the reading of documents changed (44880c8, its
// own build over the same groups, both trials loaded): eval must print the
// same, byte for byte, however it reads. A change of what eval decides on
// purpose (a trial added or changed) records them again with
// -update-eval-outputs, in a commit that says why.
const evalOutputsGolden = "testdata/eval-outputs.golden"

// evalGroups are the inputs eval is run over, one run each: every worked
// scenario, every sample patient, each source of public samples, the
// mapper's hand-written inputs (malformed ones included) together and one
// by one. A group whose directory is absent (../shared beside the project)
// is skipped.
func evalGroups(t *testing.T) map[string][]string {
	t.Helper()
	glob := func(patterns ...string) []string {
		var out []string
		for _, p := range patterns {
			m, err := filepath.Glob(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range m {
				if !strings.HasSuffix(f, ".expected.json") {
					out = append(out, f)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	groups := map[string][]string{
		"scenarios":        glob("../../../shared/scenarios/*.json"),
		"patients":         glob("../../testdata/patients/*.json", "../../testdata/patients/*.ndjson"),
		"fhirmap-testdata": glob("../../fhirmap/testdata/*.json", "../../fhirmap/testdata/*.ndjson"),
	}
	for _, f := range groups["fhirmap-testdata"] {
		groups["one-"+filepath.Base(f)] = []string{f}
	}
	dirs, _ := filepath.Glob("../../../shared/fhir-samples/*")
	for _, d := range dirs {
		var files []string
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson")) {
				files = append(files, p)
			}
			return err
		})
		if len(files) > 0 {
			sort.Strings(files)
			groups["samples-"+filepath.Base(d)] = files
		}
	}
	return groups
}

// TestEvalOutputsUnchanged runs eval over every group and compares what it
// prints with the digests recorded from main.
func TestEvalOutputsUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every sample")
	}
	want := map[string]string{}
	if data, err := os.ReadFile(evalOutputsGolden); err == nil {
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
	} else if !*updateOutputs {
		t.Fatal(err)
	}
	got := map[string]string{}
	for name, files := range evalGroups(t) {
		if len(files) == 0 {
			t.Logf("%s: no inputs here; skipped", name)
			continue
		}
		code, out, errOut := runCLI(t, "", append([]string{"eval", "--as-of", "2026-11-01"}, files...)...)
		sum := sha256.Sum256([]byte(strconv.Itoa(code) + "\x00" + out + "\x00" + errOut))
		got[name] = hex.EncodeToString(sum[:])
		if w, ok := want[name]; ok && w != got[name] && !*updateOutputs {
			t.Errorf("%s: eval prints something else than main did (exit %d, %d bytes out, standard error starts %.300q)",
				name, code, len(out), errOut)
		}
	}
	if *updateOutputs {
		data, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(evalOutputsGolden, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
