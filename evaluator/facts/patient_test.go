package facts_test

import (
	"testing"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func obs(version string, updated time.Time, value float64, retracted bool, concepts ...string) facts.Resource {
	return facts.Resource{Patient: "Patient/p", Observation: &facts.Observation{
		Meta:     facts.Meta{Ref: "Observation/o1", VersionID: version, LastUpdated: updated, Retracted: retracted},
		Concepts: concepts, Status: "final", Effective: t0,
		Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: value, Unit: "g/L"}}}}
}

func value(p *facts.Patient) (float64, bool) {
	o, ok := p.Observations["Observation/o1"]
	if !ok {
		return 0, false
	}
	return o.Value.Quantity.Value, true
}

// TestVersions walks a resource through the version rules: newer replaces,
// late older never wins, redelivery changes nothing, entered-in-error
// retracts, and a version no concept matches any more removes the fact.
func TestVersions(t *testing.T) {
	steps := []struct {
		name        string
		apply       facts.Resource
		wantChanged bool
		wantValue   float64
		wantPresent bool
	}{
		{"first version", obs("1", t0, 75, false, "hemoglobin"), true, 75, true},
		{"same version again", obs("1", t0, 75, false, "hemoglobin"), false, 75, true},
		{"newer version", obs("3", t0.Add(time.Hour), 96, false, "hemoglobin"), true, 96, true},
		{"late older version", obs("2", t0.Add(30*time.Minute), 80, false, "hemoglobin"), false, 96, true},
		{"numeric versions beat lastUpdated", obs("10", t0, 97, false, "hemoglobin"), true, 97, true},
		{"retracted", obs("11", t0, 97, true, "hemoglobin"), true, 0, false},
		{"older after retraction", obs("5", t0, 50, false, "hemoglobin"), false, 0, false},
		{"newer after retraction", obs("12", t0, 99, false, "hemoglobin"), true, 99, true},
		{"no longer relevant", obs("13", t0, 99, false), true, 0, false},
	}
	p := facts.NewPatient("Patient/p")
	for _, s := range steps {
		changed := p.Apply(s.apply)
		v, present := value(p)
		if changed != s.wantChanged || present != s.wantPresent || v != s.wantValue {
			t.Fatalf("%s: changed=%v present=%v value=%v, want %v %v %v", s.name, changed, present, v, s.wantChanged, s.wantPresent, s.wantValue)
		}
	}
}

// TestRetractionOfWhatWasNeverKept: a retraction that arrives before the
// version it retracts is remembered (Apply says the store changed, so that
// a caller saves it), and the late version is then refused.
func TestRetractionOfWhatWasNeverKept(t *testing.T) {
	p := facts.NewPatient("Patient/p")
	if !p.Apply(obs("2", t0.Add(time.Hour), 0, true, "hemoglobin")) {
		t.Error("a first retraction: Apply reports no change, so nobody would save it")
	}
	if p.Apply(obs("2", t0.Add(time.Hour), 0, true, "hemoglobin")) {
		t.Error("the same retraction again: Apply reports a change")
	}
	if p.Apply(obs("1", t0, 75, false, "hemoglobin")) {
		t.Error("the retracted resource's older version was applied")
	}
	if _, present := value(p); present {
		t.Error("the retracted observation is in the store")
	}
}

func TestVersionsByLastUpdated(t *testing.T) {
	cases := []struct {
		a, b facts.Version
		want int
	}{
		{facts.Version{VersionID: "2"}, facts.Version{VersionID: "10"}, -1},
		{facts.Version{VersionID: "a", LastUpdated: t0.Add(time.Second)}, facts.Version{VersionID: "b", LastUpdated: t0}, 1},
		{facts.Version{VersionID: "2", LastUpdated: t0}, facts.Version{VersionID: "x", LastUpdated: t0.Add(time.Hour)}, -1},
		{facts.Version{}, facts.Version{LastUpdated: t0}, -1},
		{facts.Version{}, facts.Version{}, 0},
	}
	for _, c := range cases {
		if got := facts.CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%+v, %+v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestIrrelevantIsNotStored(t *testing.T) {
	p := facts.NewPatient("Patient/p")
	if p.Apply(obs("1", t0, 1, false)) {
		t.Error("an observation no concept matches changed the store")
	}
	if len(p.Versions) != 0 || p.Size() != 0 {
		t.Errorf("store keeps %d versions, %d facts of irrelevant data", len(p.Versions), p.Size())
	}
}

func TestPrune(t *testing.T) {
	p := facts.NewPatient("Patient/p")
	p.Apply(obs("1", t0, 1, false, "anc"))
	if n := p.PruneObservations(t0); n != 0 {
		t.Errorf("pruned %d observations effective at the horizon", n)
	}
	if n := p.PruneObservations(t0.Add(time.Nanosecond)); n != 1 || len(p.Versions) != 0 {
		t.Errorf("pruned %d, %d versions left; want 1 and 0", n, len(p.Versions))
	}
}

func TestVocabulary(t *testing.T) {
	v, err := facts.NewVocabulary([]facts.ConceptSpec{
		{Name: "sle", Codes: []facts.Coding{{System: "icd", Code: "M32.1*"}, {System: "sct", Code: "55464009"}}},
		{Name: "prednisolone", Names: []string{"prednisolone"}, Ingredient: true},
		{Name: "methylprednisolone", Names: []string{"methylprednisolone"}, Ingredient: true},
		{Name: "mycophenolate", Names: []string{"mycophenolate mofetil", "mycophenolic acid"}, Ingredient: true},
		{Name: "corticosteroid", Includes: []string{"prednisolone", "methylprednisolone"}},
		{Name: "standard", Includes: []string{"corticosteroid", "mycophenolate"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		codes []facts.Coding
		text  string
		want  string
	}{
		{[]facts.Coding{{System: "icd", Code: "M32.14"}}, "", "[sle]"},
		{[]facts.Coding{{System: "icd", Code: "M32.1"}}, "", "[sle]"},
		{[]facts.Coding{{System: "icd", Code: "M32.0"}}, "", "[]"},
		{[]facts.Coding{{System: "other", Code: "55464009"}}, "", "[]"},
		{nil, "Methylprednisolone 4 MG Oral Tablet", "[corticosteroid methylprednisolone standard]"},
		{nil, "prednisolone 5 mg", "[corticosteroid prednisolone standard]"},
		{nil, "Mycophenolic Acid 360 MG Delayed Release Oral Tablet", "[mycophenolate standard]"},
		{nil, "mycophenolates", "[]"},
	}
	for _, c := range cases {
		got := v.Match(c.codes, c.text)
		if s := fmtList(got); s != c.want {
			t.Errorf("Match(%v, %q) = %s, want %s", c.codes, c.text, s, c.want)
		}
	}
	if _, err := facts.NewVocabulary([]facts.ConceptSpec{{Name: "a", Includes: []string{"b"}}, {Name: "b", Includes: []string{"a"}}}); err == nil {
		t.Error("an include cycle was accepted")
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
