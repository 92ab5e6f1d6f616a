package workload_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trialscout/trialscout/workload"
)

func generate(t testing.TB, cfg workload.Config) []workload.Resource {
	t.Helper()
	rs, err := workload.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func ndjson(t testing.TB, rs []workload.Resource) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := workload.WriteNDJSON(&buf, rs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := workload.Config{Patients: 150, Seed: 42, LongHistory: 2, LongHistoryLen: 200}
	a, b := generate(t, cfg), generate(t, cfg)
	if !bytes.Equal(ndjson(t, a), ndjson(t, b)) {
		t.Fatal("two runs of one Config differ")
	}
	for i := range a {
		if a[i].Patient != b[i].Patient || a[i].Type != b[i].Type || a[i].Ref != b[i].Ref || a[i].Relevant != b[i].Relevant {
			t.Fatalf("resource %d: %+v and %+v", i, a[i], b[i])
		}
	}
	cfg.Seed = 43
	if bytes.Equal(ndjson(t, a), ndjson(t, generate(t, cfg))) {
		t.Fatal("seeds 42 and 43 give the same stream")
	}
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  workload.Config
		want string
	}{
		{"no patients", workload.Config{}, "Patients is 0, must be > 0"},
		{"negative patients", workload.Config{Patients: -3}, "Patients is -3, must be > 0"},
		{"negative per patient", workload.Config{Patients: 5, PerPatient: -1}, "PerPatient is -1, must be >= 0"},
		{"long history below -1", workload.Config{Patients: 5, LongHistory: -2}, "LongHistory is -2, must be >= -1"},
		{"more long histories than patients", workload.Config{Patients: 5, LongHistory: 6}, "LongHistory 6 is more than Patients 5"},
		{"negative long history length", workload.Config{Patients: 5, LongHistoryLen: -1}, "LongHistoryLen is -1, must be >= 0"},
		{"AsOf in 1900", workload.Config{Patients: 5, AsOf: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, "AsOf 1900-01-01T00:00:00Z is outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := workload.Generate(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "workload: bad config: ") {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if rs != nil {
				t.Fatalf("%d resources with an error", len(rs))
			}
		})
	}
}

// perPatient counts each patient's resources.
func perPatient(rs []workload.Resource) map[string]int {
	n := map[string]int{}
	for _, r := range rs {
		n[r.Patient]++
	}
	return n
}

func TestLongHistories(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  workload.Config
		want int // patients with exactly cfg.LongHistoryLen resources
	}{
		{"default: none below 10 patients", workload.Config{Patients: 9, LongHistoryLen: 150}, 0},
		{"default: one from 10 patients", workload.Config{Patients: 10, LongHistoryLen: 150}, 1},
		{"default: one per hundred", workload.Config{Patients: 250, LongHistoryLen: 120}, 2},
		{"explicit", workload.Config{Patients: 40, LongHistory: 3, LongHistoryLen: 400}, 3},
		{"none", workload.Config{Patients: 400, LongHistory: -1, LongHistoryLen: 120}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := generate(t, tc.cfg)
			long := 0
			for p, n := range perPatient(rs) {
				switch {
				case n == tc.cfg.LongHistoryLen:
					long++
				case n > tc.cfg.LongHistoryLen:
					t.Errorf("%s has %d resources, more than a long history", p, n)
				}
			}
			if long != tc.want {
				t.Errorf("%d long histories, want %d", long, tc.want)
			}
		})
	}
}

// TestExtremeConfigs generates tiny and large patients: every patient is
// there, and a long history has exactly its length.
func TestExtremeConfigs(t *testing.T) {
	for _, cfg := range []workload.Config{
		{Patients: 1},
		{Patients: 1, PerPatient: 1},
		{Patients: 40, PerPatient: 2},
		{Patients: 20, LongHistory: 20, LongHistoryLen: 1},
		{Patients: 20, LongHistory: 20, LongHistoryLen: 3},
		{Patients: 20, LongHistory: 10, LongHistoryLen: 101},
		{Patients: 10, PerPatient: 400, LongHistory: -1},
	} {
		for seed := range int64(3) {
			cfg.Seed = seed
			n := perPatient(generate(t, cfg))
			if len(n) != cfg.Patients {
				t.Fatalf("%+v: %d patients", cfg, len(n))
			}
			long := 0
			for _, k := range n {
				if k == cfg.LongHistoryLen {
					long++
				}
			}
			if cfg.LongHistory > 0 && long < cfg.LongHistory {
				t.Fatalf("%+v: %d patients of %d resources, want %d", cfg, long, cfg.LongHistoryLen, cfg.LongHistory)
			}
		}
	}
}

// TestLongHistoryIsYearsOfObservations checks the default long history: 1000
// resources, mostly observations, spread over years.
func TestLongHistoryIsYearsOfObservations(t *testing.T) {
	rs := generate(t, workload.Config{Patients: 10, Seed: 9})
	var long string
	for p, n := range perPatient(rs) {
		if n == 1000 {
			long = p
		}
	}
	if long == "" {
		t.Fatalf("no patient of 1000 resources among %v", perPatient(rs))
	}
	obs := 0
	first := asOf
	for _, r := range rs {
		if r.Patient != long {
			continue
		}
		if r.Type == "Observation" {
			obs++
		}
		if u := lastUpdated(t, r); u.Before(first) {
			first = u
		}
	}
	if obs < 600 {
		t.Errorf("%d observations of 1000", obs)
	}
	if years := asOf.Sub(first).Hours() / 24 / 365; years < 3.5 {
		t.Errorf("history starts %.1f years before AsOf", years)
	}
}

type header struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID   string `json:"versionId"`
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
	Subject struct{ Reference string } `json:"subject"`
	Patient struct{ Reference string } `json:"patient"`
}

func parse(t testing.TB, r workload.Resource) header {
	t.Helper()
	var h header
	if err := json.Unmarshal(r.JSON, &h); err != nil {
		t.Fatalf("%s: %v", r.Ref, err)
	}
	return h
}

func lastUpdated(t testing.TB, r workload.Resource) time.Time {
	t.Helper()
	u, err := time.Parse(time.RFC3339, parse(t, r).Meta.LastUpdated)
	if err != nil {
		t.Fatalf("%s: %v", r.Ref, err)
	}
	return u
}

// TestStreamShape checks what every consumer relies on: ids, references,
// meta, the Patient first, each patient's resources in time order, later
// versions after earlier ones.
func TestStreamShape(t *testing.T) {
	rs := generated(t)
	patients := map[string]bool{}
	last := map[string]time.Time{}
	version := map[string]int{}
	for _, r := range rs {
		h := parse(t, r)
		var compact bytes.Buffer
		if err := json.Compact(&compact, r.JSON); err != nil || !bytes.Equal(compact.Bytes(), r.JSON) {
			t.Fatalf("%s is not compact JSON: %v", r.Ref, err)
		}
		if h.ResourceType != r.Type || r.Ref != h.ResourceType+"/"+h.ID || r.Subject() != "fhir.r4."+h.ResourceType {
			t.Fatalf("resource %s/%s listed as %s (%s)", h.ResourceType, h.ID, r.Ref, r.Type)
		}
		if !patients[r.Patient] {
			if r.Ref != r.Patient {
				t.Fatalf("%s's first resource is %s, not its Patient", r.Patient, r.Ref)
			}
			patients[r.Patient] = true
		}
		if ref := h.Subject.Reference + h.Patient.Reference; r.Type != "Patient" && ref != r.Patient {
			t.Fatalf("%s refers to %q, listed under %s", r.Ref, ref, r.Patient)
		}
		u := lastUpdated(t, r)
		if u.Before(last[r.Patient]) {
			t.Fatalf("%s (%s) comes after a resource of %s updated later", r.Ref, u, last[r.Patient])
		}
		last[r.Patient] = u
		var v int
		if _, err := fmt.Sscan(h.Meta.VersionID, &v); err != nil || v <= version[r.Ref] {
			t.Fatalf("%s: versionId %q after %d", r.Ref, h.Meta.VersionID, version[r.Ref])
		}
		version[r.Ref] = v
	}
	for i := range 300 {
		if id := fmt.Sprintf("Patient/wl-%06d", i); !patients[id] {
			t.Errorf("no %s", id)
		}
	}
	if len(patients) != 300 {
		t.Errorf("%d patients, want 300", len(patients))
	}
}

var dateLike = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)

// dates collects every date and dateTime in a decoded JSON value.
func dates(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			dates(e, out)
		}
	case []any:
		for _, e := range x {
			dates(e, out)
		}
	case string:
		if dateLike.MatchString(x) {
			*out = append(*out, x)
		}
	}
}

func TestEveryDateIsBeforeAsOf(t *testing.T) {
	for _, cut := range []time.Time{asOf, time.Date(2031, 3, 15, 13, 30, 0, 0, time.UTC)} {
		rs := generate(t, workload.Config{Patients: 120, Seed: 11, AsOf: cut, LongHistory: 1, LongHistoryLen: 300})
		for _, r := range rs {
			var v any
			if err := json.Unmarshal(r.JSON, &v); err != nil {
				t.Fatal(err)
			}
			var ds []string
			dates(v, &ds)
			for _, d := range ds {
				tm, err := time.Parse(time.RFC3339, d)
				if err != nil {
					tm, err = time.Parse(time.DateOnly, d)
				}
				if err != nil {
					t.Fatalf("%s: %q: %v", r.Ref, d, err)
				}
				if !tm.Before(cut) {
					t.Fatalf("%s: %s is not before AsOf %s", r.Ref, d, cut)
				}
			}
		}
	}
}

// share is a fraction with the range it should fall in.
type share struct {
	name     string
	got      float64
	min, max float64
}

func TestMix(t *testing.T) {
	rs := generate(t, workload.Config{Patients: 600, Seed: 5, LongHistory: -1})
	byType := map[string]int{}
	relevant, updates, retracted, corrected := 0, 0, 0, 0
	recent := map[string]bool{}
	for _, r := range rs {
		byType[r.Type]++
		if r.Relevant {
			relevant++
		}
		if parse(t, r).Meta.VersionID != "1" {
			updates++
		}
		s := string(r.JSON)
		if strings.Contains(s, `"entered-in-error"`) {
			retracted++
		}
		if strings.Contains(s, `"status":"corrected"`) {
			corrected++
		}
		if r.Type == "Observation" && asOf.Sub(lastUpdated(t, r)) < 28*24*time.Hour {
			recent[r.Patient] = true
		}
	}
	n := float64(len(rs))
	frac := func(k int) float64 { return float64(k) / n }
	meds := byType["MedicationStatement"] + byType["MedicationRequest"]
	other := len(rs) - byType["Observation"] - byType["Condition"] - meds
	for _, s := range []share{
		{"mean resources per patient / 20", n / 600 / 20, 0.9, 1.1},
		{"Observation", frac(byType["Observation"]), 0.62, 0.78},
		{"Condition", frac(byType["Condition"]), 0.11, 0.19},
		{"MedicationStatement and MedicationRequest", frac(meds), 0.07, 0.13},
		{"other", frac(other), 0.03, 0.09},
		{"relevant", frac(relevant), 0.25, 0.60},
		{"later versions", frac(updates), 0.005, 0.04},
		{"retractions", frac(retracted), 0.001, 0.02},
		{"corrections", frac(corrected), 0.001, 0.02},
		{"patients with an observation in the last 28 days", float64(len(recent)) / 600, 0.5, 0.9},
	} {
		t.Logf("%s: %.3f", s.name, s.got)
		if s.got < s.min || s.got > s.max {
			t.Errorf("%s: %.3f, want %.3f to %.3f", s.name, s.got, s.min, s.max)
		}
	}
	for _, typ := range []string{"Patient", "Immunization", "Procedure", "AllergyIntolerance", "Encounter", "MedicationRequest", "MedicationStatement"} {
		if byType[typ] == 0 {
			t.Errorf("no %s", typ)
		}
	}
}

func TestPerPatientSetsTheMean(t *testing.T) {
	for _, per := range []int{8, 20, 60} {
		t.Run(fmt.Sprint(per), func(t *testing.T) {
			rs := generate(t, workload.Config{Patients: 400, Seed: 2, PerPatient: per, LongHistory: -1})
			mean := float64(len(rs)) / 400
			t.Logf("mean %.2f", mean)
			if mean < 0.85*float64(per) || mean > 1.15*float64(per) {
				t.Errorf("mean %.1f resources per patient, want about %d", mean, per)
			}
		})
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteNDJSON(t *testing.T) {
	rs := generate(t, workload.Config{Patients: 5, Seed: 1})
	lines := bytes.Split(bytes.TrimSuffix(ndjson(t, rs), []byte("\n")), []byte("\n"))
	if len(lines) != len(rs) {
		t.Fatalf("%d lines for %d resources", len(lines), len(rs))
	}
	for i, l := range lines {
		if !bytes.Equal(l, rs[i].JSON) {
			t.Fatalf("line %d is not resource %d", i+1, i)
		}
	}
	if err := workload.WriteNDJSON(&failingWriter{after: 1000}, generate(t, workload.Config{Patients: 100})); err == nil {
		t.Fatal("no error from a failing writer")
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := workload.Generate(workload.Config{Patients: 1000, Seed: 1, LongHistory: -1}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMessyShapes: a messy feed holds every shape a tidy one does not, and
// enough of each for the fault suite to meet them.
func TestMessyShapes(t *testing.T) {
	rs, err := workload.Generate(workload.Config{Patients: 300, Seed: 11, Messy: true})
	if err != nil {
		t.Fatal(err)
	}
	type versioned struct {
		Meta *struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
		Code struct {
			Coding []struct{ Code string } `json:"coding"`
		} `json:"code"`
	}
	count := map[string]int{}
	seen := map[string]int{} // ref → highest version seen so far
	for _, r := range rs {
		var v versioned
		if err := json.Unmarshal(r.JSON, &v); err != nil {
			t.Fatal(err)
		}
		if v.Meta == nil {
			count["no meta"]++
			continue
		}
		n, _ := strconv.Atoi(v.Meta.VersionID)
		if n < seen[r.Ref] {
			count["older version sent after a newer one"]++
		}
		seen[r.Ref] = max(seen[r.Ref], n)
		if n > 1 && len(v.Code.Coding) > 0 && v.Code.Coding[0].Code == "2339-0" && !r.Relevant {
			count["corrected to a code no trial reads"]++
		}
		if owner := "Patient/" + strings.Join(strings.Split(strings.TrimPrefix(r.Ref, r.Type+"/"), "-")[:2], "-"); r.Type != "Patient" && owner != r.Patient {
			count["moved to another patient"]++
		}
	}
	for _, shape := range []string{"no meta", "older version sent after a newer one", "corrected to a code no trial reads", "moved to another patient"} {
		if count[shape] < 5 {
			t.Errorf("%d resources %s, want at least 5 (%v)", count[shape], shape, count)
		}
	}
}
