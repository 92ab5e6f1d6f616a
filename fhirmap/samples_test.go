package fhirmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestScenarios reads every worked scenario: each is one patient's Bundle,
// and nothing in it may be rejected.
func TestScenarios(t *testing.T) {
	dir := requireShared(t, "scenarios")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMapper(t, Options{})
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".expected.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			patients := map[string]bool{}
			for _, r := range readFile(t, m, f) {
				switch {
				case r.Err != nil:
					t.Errorf("rejected: %v", r.Err)
				case r.Fact != nil:
					patients[r.Fact.Patient] = true
				}
			}
			if len(patients) != 1 {
				t.Errorf("facts belong to %v, want exactly one patient", patients)
			}
		})
	}
	if n == 0 {
		t.Fatalf("no scenarios under %s", dir)
	}
}

// rejectionCategory is one reason public sample data is rejected for, and a
// phrase its message must contain.
type rejectionCategory struct {
	err    error
	phrase string
}

var (
	noSubject          = rejectionCategory{ErrNoPatient, "no subject"}
	identifierOnly     = rejectionCategory{ErrNoPatient, "subject has only an identifier"}
	displayOnly        = rejectionCategory{ErrNoPatient, "subject has only a display"}
	containedPatient   = rejectionCategory{ErrNoPatient, "is a contained Patient"}
	groupSubject       = rejectionCategory{ErrNoPatient, "subject is Group/"}
	expectedRejections = map[string]rejectionCategory{
		// HL7 examples of resources about no one (lab reports on specimens,
		// a genetics panel's members) or about a Group of animals.
		"Bundle-bundle-references.json entry[10]": identifierOnly, // Observation/48
		"Bundle-ghp.json entry[4]":                noSubject,
		"Bundle-ghp.json entry[22]":               noSubject,
		"Bundle-ghp.json entry[45]":               noSubject,
		"Bundle-report.json entry[1]":             noSubject,
		"Bundle-report.json entry[2]":             noSubject,
		"Bundle-report.json entry[3]":             noSubject,
		"Bundle-report.json entry[4]":             noSubject,
		"Bundle-report.json entry[5]":             noSubject,
		"Bundle-report.json entry[6]":             noSubject,
		"Bundle-report.json entry[7]":             noSubject,
		"Bundle-report.json entry[8]":             noSubject,
		"Bundle-report.json entry[9]":             noSubject,
		"Bundle-report.json entry[10]":            noSubject,
		"Bundle-report.json entry[11]":            noSubject,
		"Bundle-report.json entry[12]":            noSubject,
		"Bundle-report.json entry[13]":            noSubject,
		"Observation-decimal.json":                noSubject,
		"Observation-herd1.json":                  groupSubject,
		"Observation-vp-oyster.json":              displayOnly, // an oyster farm
		"Procedure-education.json":                displayOnly,
		"Procedure-ob.json":                       displayOnly,
		// The Apgar examples describe a newborn contained in the Observation
		// itself, which has no Patient id to file the facts under.
		"Observation-1minute-apgar-score.json":  containedPatient,
		"Observation-2minute-apgar-score.json":  containedPatient,
		"Observation-5minute-apgar-score.json":  containedPatient,
		"Observation-10minute-apgar-score.json": containedPatient,
		"Observation-20minute-apgar-score.json": containedPatient,
	}
	// seenByType is how many resources of each type trialscout reads the
	// samples hold, from fhir-samples/SOURCES.md ("Resources by type", summed
	// over the five sources).
	seenByType = map[string]int{
		"Patient": 323, "Observation": 15796, "Condition": 2066, "MedicationRequest": 2352,
		"MedicationStatement": 8, "Immunization": 1863, "Procedure": 3084, "AllergyIntolerance": 75,
		"Medication": 24,
	}
)

// sampleTally counts the outcomes of reading the samples. mapped counts every
// fact, those no concept matches included: most of them are skimmed
// (skim.go), which left these counts as they were, since every rejection
// below is about a patient reference, which the skim leaves to the full
// parse, and no sample is rejected by jsonformat.
type sampleTally struct {
	mu                        sync.Mutex
	mapped, ignored, rejected int
	seen                      int // counted independently of the Mapper
	byType                    map[string]int
	rejections                map[string]error
}

// TestPublicSamples reads every public sample file: no panic, every
// rejection is an expected one, and every resource has exactly one outcome.
func TestPublicSamples(t *testing.T) {
	root := requireShared(t, "fhir-samples")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m := newTestMapper(t, Options{})
	tally := &sampleTally{byType: map[string]int{}, rejections: map[string]error{}}
	forEachParallel(files, func(f string) { tally.add(t, m, f) })
	t.Logf("%d files in %v: %d resources seen, %d mapped, %d ignored, %d rejected",
		len(files), time.Since(start).Round(time.Millisecond), tally.seen, tally.mapped, tally.ignored, tally.rejected)

	if got := tally.mapped + tally.ignored + tally.rejected; got != tally.seen {
		t.Errorf("mapped %d + ignored %d + rejected %d = %d, want the %d resources seen",
			tally.mapped, tally.ignored, tally.rejected, got, tally.seen)
	}
	for typ, want := range seenByType {
		if tally.byType[typ] != want {
			t.Errorf("%s: %d mapped, ignored or rejected, want %d (SOURCES.md)", typ, tally.byType[typ], want)
		}
	}
	checkRejections(t, tally.rejections)
}

func (s *sampleTally) add(t *testing.T, m *Mapper, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Error(err)
		return
	}
	seen := countResources(t, file, data)
	results, err := m.Read(bytes.NewReader(data), filepath.Base(file))
	if err != nil {
		t.Errorf("%s: %v", file, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen += seen
	for _, r := range results {
		switch outcome(r) {
		case "fact":
			s.mapped++
		case "ignored":
			s.ignored++
		case "rejected":
			s.rejected++
			s.rejections[r.Pos.String()] = r.Err
		default:
			t.Errorf("%s: %+v has no single outcome", r.Pos, r)
		}
		if readTypes[r.Type] {
			s.byType[r.Type]++
		}
	}
}

func checkRejections(t *testing.T, got map[string]error) {
	t.Helper()
	var positions []string
	for pos := range got {
		positions = append(positions, pos)
	}
	sort.Strings(positions)
	for _, pos := range positions {
		err := got[pos]
		want, ok := expectedRejections[pos]
		switch {
		case !ok:
			t.Errorf("unexpected rejection: %v", err)
		case !errors.Is(err, want.err) || !strings.Contains(err.Error(), want.phrase):
			t.Errorf("%s: rejected with %v, want %v (%q)", pos, err, want.err, want.phrase)
		}
	}
	for pos := range expectedRejections {
		if _, ok := got[pos]; !ok {
			t.Errorf("%s: expected a rejection, got none", pos)
		}
	}
}

// countResources counts what a file holds without the Mapper: every NDJSON
// line or document, with each Bundle replaced by its entries (an empty
// Bundle and an entry without a resource count one each).
func countResources(t *testing.T, file string, data []byte) int {
	if !strings.HasSuffix(file, ".ndjson") {
		return countValue(t, file, data)
	}
	n := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			n += countValue(t, file, line)
		}
	}
	return n
}

func countValue(t *testing.T, file string, data []byte) int {
	var doc struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Errorf("%s: %v", file, err)
		return 0
	}
	if doc.ResourceType != "Bundle" || len(doc.Entry) == 0 {
		return 1
	}
	n := 0
	for _, e := range doc.Entry {
		if len(e.Resource) == 0 {
			n++
			continue
		}
		n += countValue(t, file, e.Resource)
	}
	return n
}

// forEachParallel runs fn on every item, on as many goroutines as CPUs.
func forEachParallel(items []string, fn func(string)) {
	work := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				fn(it)
			}
		}()
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
}
