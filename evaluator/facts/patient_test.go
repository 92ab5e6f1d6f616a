package facts_test

import (
	"testing"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// obs is a version of Observation/o1; relevant says whether a trial reads it.
func obs(version string, updated time.Time, value float64, retracted, relevant bool) facts.Resource {
	return facts.Resource{Patient: "Patient/p", Relevant: relevant, Observation: &facts.Observation{
		Meta:   facts.Meta{Ref: "Observation/o1", VersionID: version, LastUpdated: updated, Retracted: retracted},
		Status: "final", Effective: t0,
		Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: value, Unit: "g/L"}}}}
}

// arrived is an unversioned Observation/o1 that arrived n-th.
func arrived(n uint64, value float64, relevant bool) facts.Resource {
	r := obs("", time.Time{}, value, false, relevant)
	r.Observation.Arrival = n
	return r
}

func value(p *facts.Patient) (float64, bool) {
	o, ok := p.Observations["Observation/o1"]
	if !ok {
		return 0, false
	}
	return o.Value.Quantity.Value, true
}

type step struct {
	name        string
	apply       facts.Resource
	wantChange  facts.Change
	wantValue   float64
	wantPresent bool
}

func walk(t *testing.T, steps []step) {
	t.Helper()
	p := facts.NewPatient("Patient/p")
	for _, s := range steps {
		change := p.Apply(s.apply)
		v, present := value(p)
		if change != s.wantChange || present != s.wantPresent || v != s.wantValue {
			t.Fatalf("%s: change=%v present=%v value=%v, want %v %v %v", s.name, change, present, v, s.wantChange, s.wantPresent, s.wantValue)
		}
	}
}

// TestVersions walks a resource through the version rules: newer replaces,
// late older never wins, redelivery changes nothing, entered-in-error
// retracts, and a version no concept matches any more removes the fact.
func TestVersions(t *testing.T) {
	walk(t, []step{
		{"first version", obs("1", t0, 75, false, true), facts.FactsChanged, 75, true},
		{"same version again", obs("1", t0, 75, false, true), facts.Unchanged, 75, true},
		{"newer version", obs("3", t0.Add(time.Hour), 96, false, true), facts.FactsChanged, 96, true},
		{"late older version", obs("2", t0.Add(30*time.Minute), 80, false, true), facts.Unchanged, 96, true},
		{"numeric versions beat lastUpdated", obs("10", t0, 97, false, true), facts.FactsChanged, 97, true},
		{"retracted", obs("11", t0, 97, true, true), facts.FactsChanged, 0, false},
		{"older after retraction", obs("5", t0, 50, false, true), facts.Unchanged, 0, false},
		{"newer after retraction", obs("12", t0, 99, false, true), facts.FactsChanged, 99, true},
		{"no longer relevant", obs("13", t0, 99, false, false), facts.FactsChanged, 0, false},
		{"older relevant after the newest matched nothing", obs("12", t0, 99, false, true), facts.Unchanged, 0, false},
	})
}

// TestUnversionedOrder: without versionId or lastUpdated, arrival decides,
// so a redelivered or replayed older message never brings old content back.
func TestUnversionedOrder(t *testing.T) {
	walk(t, []step{
		{"first", arrived(10, 1.1, true), facts.FactsChanged, 1.1, true},
		{"corrected", arrived(20, 1.6, true), facts.FactsChanged, 1.6, true},
		{"corrected again", arrived(30, 2.0, true), facts.FactsChanged, 2.0, true},
		{"redelivered second", arrived(20, 1.6, true), facts.Unchanged, 2.0, true},
		{"redelivered first", arrived(10, 1.1, true), facts.Unchanged, 2.0, true},
	})
}

// TestNewestFirstMatchingNothing: the newest version arrives first and no
// trial reads it; the older relevant one arriving later must not win.
func TestNewestFirstMatchingNothing(t *testing.T) {
	walk(t, []step{
		{"newest, irrelevant", obs("2", t0, 3, false, false), facts.EntryChanged, 0, false},
		{"older, relevant", obs("1", t0, 1, false, true), facts.Unchanged, 0, false},
	})
}

// TestReplayKeepsNewlyRelevant: a version first applied when no trial read
// it is kept when it comes again relevant (a replay for a new trial), and
// the same relevant version again changes nothing.
func TestReplayKeepsNewlyRelevant(t *testing.T) {
	walk(t, []step{
		{"live, no trial reads it", arrived(7, 2.5, false), facts.EntryChanged, 0, false},
		{"replayed for a new trial", arrived(7, 2.5, true), facts.FactsChanged, 2.5, true},
		{"replayed again", arrived(7, 2.5, true), facts.Unchanged, 2.5, true},
	})
}

// TestRetractionOfWhatWasNeverKept: a retraction that arrives before the
// version it retracts is remembered, and the late version is then refused.
func TestRetractionOfWhatWasNeverKept(t *testing.T) {
	walk(t, []step{
		{"retraction first", obs("2", t0.Add(time.Hour), 0, true, true), facts.EntryChanged, 0, false},
		{"same retraction", obs("2", t0.Add(time.Hour), 0, true, true), facts.Unchanged, 0, false},
		{"retracted version", obs("1", t0, 75, false, true), facts.Unchanged, 0, false},
	})
}

func TestVersionsCompare(t *testing.T) {
	cases := []struct {
		a, b facts.Version
		want int
	}{
		{facts.Version{VersionID: "2"}, facts.Version{VersionID: "10"}, -1},
		{facts.Version{VersionID: "a", LastUpdated: t0.Add(time.Second)}, facts.Version{VersionID: "b", LastUpdated: t0}, 1},
		{facts.Version{VersionID: "2", LastUpdated: t0}, facts.Version{VersionID: "x", LastUpdated: t0.Add(time.Hour)}, -1},
		{facts.Version{Arrival: 9}, facts.Version{LastUpdated: t0}, -1},
		{facts.Version{VersionID: "3", Arrival: 1}, facts.Version{VersionID: "3", Arrival: 2}, -1},
		{facts.Version{LastUpdated: t0, Arrival: 9}, facts.Version{LastUpdated: t0, Arrival: 2}, 1},
		{facts.Version{}, facts.Version{}, 0},
	}
	for _, c := range cases {
		if got := facts.CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%+v, %+v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestIrrelevantKeepsOnlyItsEntry(t *testing.T) {
	p := facts.NewPatient("Patient/p")
	if got := p.Apply(obs("1", t0, 1, false, false)); got != facts.EntryChanged {
		t.Errorf("an observation no trial reads: %v, want EntryChanged", got)
	}
	if len(p.Entries) != 1 || p.Size() != 0 {
		t.Errorf("store keeps %d entries, %d facts; want 1 and 0", len(p.Entries), p.Size())
	}
}

// TestMedicationData: every medication record that counts as an exposure
// marks the patient as having medication data, whether a trial reads the
// drug or not; a not-taken one does not, and a retraction takes it back.
func TestMedicationData(t *testing.T) {
	start := t0.AddDate(0, -2, 0)
	med := func(ref, status string, relevant bool) facts.Resource {
		return facts.Resource{Patient: "Patient/p", Relevant: relevant, Medication: &facts.Medication{
			Meta: facts.Meta{Ref: ref, Arrival: 1, Retracted: status == "entered-in-error"}, Status: status, Start: start}}
	}
	p := facts.NewPatient("Patient/p")
	if p.Apply(med("MedicationStatement/omeprazole", "not-taken", false)) != facts.EntryChanged || !p.FirstMedicationStart().IsZero() {
		t.Fatal("a not-taken statement counts as medication data")
	}
	if p.Apply(med("MedicationStatement/lisinopril", "active", false)) != facts.FactsChanged || !p.FirstMedicationStart().Equal(start) {
		t.Fatalf("an active statement of a drug no trial reads: first start %v, want %v", p.FirstMedicationStart(), start)
	}
	retract := med("MedicationStatement/lisinopril", "entered-in-error", false)
	retract.Medication.Arrival = 2
	if p.Apply(retract) != facts.FactsChanged || !p.FirstMedicationStart().IsZero() {
		t.Fatalf("after its retraction: first start %v, want none", p.FirstMedicationStart())
	}
}

// TestTransfer: a newer version naming another patient moves the resource;
// the older version arriving late at the first patient is refused there.
func TestTransfer(t *testing.T) {
	cond := func(patient, version string) facts.Resource {
		return facts.Resource{Patient: patient, Relevant: true, Condition: &facts.Condition{
			Meta: facts.Meta{Ref: "Condition/c1", VersionID: version}, Clinical: "active"}}
	}
	a, b := facts.NewPatient("Patient/a"), facts.NewPatient("Patient/b")
	facts.Transfer(nil, a, cond("Patient/a", "1"))
	fromChange, toChange := facts.Transfer(a, b, cond("Patient/b", "2"))
	if fromChange != facts.FactsChanged || toChange != facts.FactsChanged || a.Holds("Condition/c1") || !b.Holds("Condition/c1") {
		t.Fatalf("move: %v %v, a holds %v, b holds %v", fromChange, toChange, a.Holds("Condition/c1"), b.Holds("Condition/c1"))
	}
	if got := a.Apply(cond("Patient/a", "1")); got != facts.Unchanged || a.Holds("Condition/c1") {
		t.Errorf("late older version at the first patient: %v, held %v", got, a.Holds("Condition/c1"))
	}
	if f, tc := facts.Transfer(b, a, cond("Patient/a", "1")); f != facts.Unchanged || tc != facts.Unchanged {
		t.Errorf("an older version moving it back: %v %v", f, tc)
	}
}

func TestPrune(t *testing.T) {
	p := facts.NewPatient("Patient/p")
	p.Apply(obs("1", t0, 1, false, true))
	if dropped := p.PruneObservations(t0); len(dropped) != 0 {
		t.Errorf("pruned %v, effective at the horizon", dropped)
	}
	if dropped := p.PruneObservations(t0.Add(time.Nanosecond)); len(dropped) != 1 || len(p.Entries) != 0 || p.Size() != 0 {
		t.Errorf("pruned %v, %d entries and %d facts left; want 1, 0 and 0", dropped, len(p.Entries), p.Size())
	}
}

// TestPruneAfterShortcut: once a pruning has found what the store holds,
// pruning again skips the walk until something older arrives or the
// horizon passes the oldest; neither case may be missed.
func TestPruneAfterShortcut(t *testing.T) {
	at := func(ref string, eff time.Time) facts.Resource {
		return facts.Resource{Patient: "Patient/p", Relevant: true, Observation: &facts.Observation{
			Meta: facts.Meta{Ref: ref, VersionID: "1"}, Status: "final", Effective: eff}}
	}
	day := 24 * time.Hour
	p := facts.NewPatient("Patient/p")
	p.Apply(at("Observation/new", t0))
	steps := []struct {
		name    string
		apply   *facts.Resource
		horizon time.Time
		want    int
	}{
		{"nothing before the horizon", nil, t0.Add(-day), 0},
		{"the same again (shortcut)", nil, t0.Add(-day), 0},
		{"an older result arrives", ptr(at("Observation/old", t0.Add(-3*day))), t0.Add(-day), 1},
		{"an older entry of a result never kept", ptr(facts.Resource{Patient: "Patient/p", Observation: &facts.Observation{
			Meta: facts.Meta{Ref: "Observation/unread", VersionID: "1"}, Status: "final", Effective: t0.Add(-2 * day)}}), t0.Add(-day), 1},
		{"the horizon passes the oldest", nil, t0.Add(time.Nanosecond), 1},
		{"an empty store", nil, t0.Add(day), 0},
	}
	for _, s := range steps {
		if s.apply != nil {
			p.Apply(*s.apply)
		}
		if dropped := p.PruneObservations(s.horizon); len(dropped) != s.want {
			t.Errorf("%s: pruned %v, want %d", s.name, dropped, s.want)
		}
	}
	p.Restore("Observation/restored", facts.Entry{Effective: t0.Add(-day)}, &facts.Observation{Meta: facts.Meta{Ref: "Observation/restored"}, Effective: t0.Add(-day)})
	if dropped := p.PruneObservations(t0); len(dropped) != 1 || p.Size() != 0 {
		t.Errorf("a restored stand-in: pruned %v, %d facts left; want it pruned", dropped, p.Size())
	}
}

func ptr[T any](v T) *T { return &v }

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

// TestEncounterStore: encounters are stored, found, split into parts,
// merged back, counted and removed like every other fact.
func TestEncounterStore(t *testing.T) {
	p := facts.NewPatient("Patient/p")
	e := &facts.Encounter{Meta: facts.Meta{Ref: "Encounter/e1", VersionID: "1"}, Class: "IMP", Status: "finished", Start: t0}
	if c := p.Apply(facts.Resource{Patient: p.ID, Relevant: true, Encounter: e}); c != facts.FactsChanged || p.Size() != 1 || p.Encounters["Encounter/e1"] != e {
		t.Fatalf("apply: %v, size %d", c, p.Size())
	}
	part := p.Part([]string{"Encounter/e1"})
	if part.Encounters["Encounter/e1"] != e {
		t.Errorf("part lacks the encounter")
	}
	q := facts.NewPatient(p.ID)
	q.Merge(part)
	if q.Encounters["Encounter/e1"] != e || q.Size() != 1 {
		t.Errorf("merge lacks the encounter")
	}
	retracted := *e
	retracted.VersionID, retracted.Retracted = "2", true
	if c := p.Apply(facts.Resource{Patient: p.ID, Encounter: &retracted}); c != facts.FactsChanged || p.Size() != 0 {
		t.Errorf("retraction: %v, size %d", c, p.Size())
	}
}
