package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// randomVersions is a feed made to test pruning while reading: few
// resources, many versions of each, in any order, some moving between
// patients, retracted or irrelevant, their observations on both sides of
// the horizon.
func randomVersions(seed uint64, n int, horizon time.Time) []facts.Resource {
	r := rand.New(rand.NewPCG(seed, 7))
	day := 24 * time.Hour
	var out []facts.Resource
	for range n {
		home := r.IntN(20)
		patient := fmt.Sprintf("Patient/p%d", home%4)
		if r.IntN(8) == 0 {
			patient = fmt.Sprintf("Patient/p%d", r.IntN(4)) // a correction naming another patient
		}
		m := facts.Meta{Retracted: r.IntN(10) == 0}
		m.VersionID = []string{"", "1", "2", "3", "10", "x"}[r.IntN(6)]
		if r.IntN(3) > 0 {
			m.LastUpdated = horizon.Add(time.Duration(r.IntN(200)-100) * day)
		}
		res := facts.Resource{Patient: patient, Relevant: r.IntN(5) > 1}
		switch {
		case home < 14:
			m.Ref = fmt.Sprintf("Observation/o%d", home)
			var eff time.Time
			if r.IntN(10) > 0 {
				eff = horizon.Add(time.Duration(r.IntN(130)-100) * day)
			}
			res.Observation = &facts.Observation{Meta: m, Codes: []facts.Coding{{Code: "c"}}, Status: "final", Effective: eff}
		case home < 17:
			m.Ref = fmt.Sprintf("MedicationStatement/m%d", home)
			var start time.Time
			if r.IntN(4) > 0 {
				start = horizon.Add(time.Duration(r.IntN(400)-300) * day)
			}
			res.Medication = &facts.Medication{Meta: m, Status: []string{"active", "completed", "not-taken"}[r.IntN(3)], Start: start}
		default:
			m.Ref = fmt.Sprintf("Condition/c%d", home)
			res.Condition = &facts.Condition{Meta: m, Clinical: "active"}
		}
		out = append(out, res)
	}
	return out
}

// settled applies the feed as Run does, pruned at the end.
func settled(pop *population, feed []facts.Resource, horizon time.Time) map[string]string {
	for _, r := range feed {
		pop.arrived++
		r.SetArrival(pop.arrived)
		pop.apply(r)
	}
	out := map[string]string{}
	for id, p := range pop.patients {
		p.PruneObservations(horizon)
		out[id] = evaluated(p)
	}
	return out
}

// evaluated is what an evaluation can read of a patient: the facts, the
// entries that hold something (a fact, a medication mark, a move), and the
// first medication start.
func evaluated(p *facts.Patient) string {
	var holding []string
	for ref, e := range p.Entries {
		if !e.MedStart.IsZero() || e.MovedTo != "" || p.Holds(ref) {
			holding = append(holding, ref)
		}
	}
	b, err := json.Marshal(struct {
		P          *facts.Patient
		FirstMedAt time.Time
	}{p.Part(holding), p.FirstMedicationStart()})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestPruningWhileReadingIsExact applies random feeds twice, pruning after
// every resource and only at the end, and wants the same patients.
func TestPruningWhileReadingIsExact(t *testing.T) {
	defer func(gap int) { minPruneGap = gap }(minPruneGap)
	minPruneGap = 1
	horizon := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	revived := 0
	for seed := range uint64(400) {
		want := settled(newPopulation(), randomVersions(seed, 300, horizon), horizon)
		pop := newPrunedPopulation(horizon)
		got := settled(pop, randomVersions(seed, 300, horizon), horizon)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("seed %d: pruned while reading differs (-at the end +while reading):\n%s", seed, diff)
		}
		for _, st := range pop.pruned {
			if st.off {
				t.Errorf("seed %d: a patient could not be pruned while reading", seed)
			}
		}
		revived += countRevived(seed, horizon)
	}
	if revived < 100 {
		t.Errorf("only %d tombstones came back in all feeds: the test does not test them", revived)
	}
}

// countRevived counts the tombstones a feed brings back.
func countRevived(seed uint64, horizon time.Time) int {
	pop := newPrunedPopulation(horizon)
	n := 0
	for _, r := range randomVersions(seed, 300, horizon) {
		before := 0
		for _, st := range pop.pruned {
			before += st.tombs.Len()
		}
		pop.arrived++
		r.SetArrival(pop.arrived)
		to := pop.patient(r.Patient)
		pop.revive(to, r.Meta().Ref)
		after := 0
		for _, st := range pop.pruned {
			after += st.tombs.Len()
		}
		n += before - after
		pop.apply(r)
	}
	return n
}

// TestPruningBoundsMemory reads a long history of one patient's
// observations, all older than the horizon, and wants the store to stay
// small while reading.
func TestPruningBoundsMemory(t *testing.T) {
	horizon := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	pop := newPrunedPopulation(horizon)
	most := 0
	for i := range 20000 {
		r := facts.Resource{Patient: "Patient/p", Relevant: i%3 == 0, Observation: &facts.Observation{
			Meta:      facts.Meta{Ref: fmt.Sprintf("Observation/o%d", i), VersionID: "1"},
			Effective: horizon.Add(-time.Duration(i+1) * time.Hour)}}
		pop.arrived++
		r.SetArrival(pop.arrived)
		pop.apply(r)
		most = max(most, len(pop.patients["Patient/p"].Entries))
	}
	if most > 2*minPruneGap {
		t.Errorf("the store held up to %d entries, want at most %d", most, 2*minPruneGap)
	}
	var ids []string
	for id := range pop.patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) != 1 || pop.pruned["Patient/p"].tombs.Len() < 19000 {
		t.Errorf("patients %v, tombstones %d", ids, pop.pruned["Patient/p"].tombs.Len())
	}
}
