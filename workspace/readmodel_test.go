package workspace

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/evaluator"
)

// population puts nine patients of the demo trial, one or more per status.
func population(t testing.TB) (*ReadModel, evaluator.Trial) {
	t.Helper()
	tr := demoTrial()
	rm := NewReadModel([]evaluator.Trial{tr})
	for _, p := range []struct {
		id      string
		results []evaluator.Result
	}{
		{"Patient/e1", []evaluator.Result{M, M, M, M, N}},
		{"Patient/c1", []evaluator.Result{R, M, M, M, N}},
		{"Patient/i1", []evaluator.Result{R, M, U, M, N}},
		{"Patient/i2", []evaluator.Result{R, M, U, U, N}},
		{"Patient/i3", []evaluator.Result{R, M, M, U, N}},
		{"Patient/i4", []evaluator.Result{R, M, M, U, N}},
		{"Patient/x1", []evaluator.Result{R, N, M, M, N}},
		{"Patient/x2", []evaluator.Result{R, M, M, M, M}},
		{"Patient/x3", []evaluator.Result{R, M, N, U, M}},
	} {
		put(rm, tr, p.id, p.results...)
	}
	return rm, tr
}

func TestTrialsCountsAndFunnel(t *testing.T) {
	rm, _ := population(t)
	got := rm.Trials()
	if len(got) != 1 {
		t.Fatalf("got %d trials", len(got))
	}
	s := got[0]
	wantCounts := map[evaluator.Status]int{Eligible: 1, evaluator.Candidate: 1, evaluator.Incomplete: 4, evaluator.Ineligible: 3}
	if s.Total != 9 || !cmp.Equal(s.Counts, wantCounts) {
		t.Errorf("total %d counts %v, want 9 %v", s.Total, s.Counts, wantCounts)
	}
	type step struct{ Met, NotMet, Unknown, Review, RuledOut, Remaining, Clear int }
	want := map[string]step{
		"consent":   {1, 0, 0, 8, 0, 9, 9},
		"age":       {8, 1, 0, 0, 1, 8, 8},
		"anc":       {6, 1, 2, 0, 1, 7, 5},
		"lvef":      {5, 0, 4, 0, 0, 7, 3},
		"infection": {2, 7, 0, 0, 1, 6, 2},
	}
	var order []string
	for _, f := range s.Funnel {
		order = append(order, f.ID)
		if g := (step{f.Met, f.NotMet, f.Unknown, f.Review, f.RuledOut, f.Remaining, f.Clear}); g != want[f.ID] {
			t.Errorf("funnel %s = %+v, want %+v", f.ID, g, want[f.ID])
		}
	}
	if diff := cmp.Diff([]string{"consent", "age", "anc", "lvef", "infection"}, order); diff != "" {
		t.Errorf("funnel order (-want +got):\n%s", diff)
	}
}

func TestWorklistOrderFilterPageSearch(t *testing.T) {
	rm, _ := population(t)
	tests := []struct {
		name string
		q    WorklistQuery
		want []string
		tot  int
	}{
		{"all statuses", WorklistQuery{}, []string{"Patient/e1", "Patient/c1", "Patient/i1", "Patient/i3", "Patient/i4", "Patient/i2", "Patient/x1", "Patient/x3", "Patient/x2"}, 9},
		{"incomplete by fewest unknowns", WorklistQuery{Status: evaluator.Incomplete}, []string{"Patient/i1", "Patient/i3", "Patient/i4", "Patient/i2"}, 4},
		{"ineligible by first criterion", WorklistQuery{Status: evaluator.Ineligible}, []string{"Patient/x1", "Patient/x3", "Patient/x2"}, 3},
		{"page 2 of 4", WorklistQuery{PageSize: 4, Page: 2}, []string{"Patient/i4", "Patient/i2", "Patient/x1", "Patient/x3"}, 9},
		{"page past the end", WorklistQuery{PageSize: 4, Page: 9}, nil, 9},
		{"search any case", WorklistQuery{Query: "PATIENT/I"}, []string{"Patient/i1", "Patient/i3", "Patient/i4", "Patient/i2"}, 4},
		{"search within status, paged", WorklistQuery{Query: "x", Status: evaluator.Ineligible, PageSize: 2, Page: 2}, []string{"Patient/x2"}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := rm.Worklist("demo", tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range w.Rows {
				got = append(got, r.Patient)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" || w.Total != tc.tot {
				t.Errorf("total %d (want %d); rows (-want +got):\n%s", w.Total, tc.tot, diff)
			}
		})
	}
	if _, err := rm.Worklist("nope", WorklistQuery{}); err != ErrUnknownTrial {
		t.Errorf("unknown trial: err %v", err)
	}
}

func TestWorklistRows(t *testing.T) {
	rm, _ := population(t)
	w, _ := rm.Worklist("demo", WorklistQuery{})
	rows := map[string]Row{}
	for _, r := range w.Rows {
		rows[r.Patient] = r
	}
	if got := rows["Patient/c1"].Open; len(got) != 1 || got[0].ID != "consent" || got[0].Text != "Signs the consent form." {
		t.Errorf("candidate's open decisions: %+v", got)
	}
	if got := rows["Patient/i2"]; got.Unknowns != 2 || !cmp.Equal(got.Obtain, []string{"ANC within 28 days", "LVEF within 90 days"}) {
		t.Errorf("incomplete row: %+v", got)
	}
	if got := rows["Patient/x3"].RuledOutBy; got == nil || got.ID != "anc" || got.Reason != "ANC 1.2 10*9/L on 2026-10-26 < 1.5" {
		t.Errorf("ineligible row's first criterion: %+v", got)
	}
}

func TestUnlock(t *testing.T) {
	rm, _ := population(t)
	u, err := rm.Unlock("demo", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := Unlock{Trial: "demo", Title: "Demo trial", Incomplete: 4,
		Items: []UnlockItem{{"LVEF within 90 days", 2, 3}, {"ANC within 28 days", 1, 2}},
		Sets: []UnlockSet{{[]string{"LVEF within 90 days"}, 2}, {[]string{"ANC within 28 days"}, 1},
			{[]string{"ANC within 28 days", "LVEF within 90 days"}, 1}}}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("unlock (-want +got):\n%s", diff)
	}
	if u, _ := rm.Unlock("demo", 1); len(u.Items) != 1 || len(u.Sets) != 1 {
		t.Errorf("limit 1: %+v", u)
	}
}

func TestPutReplacesOldContribution(t *testing.T) {
	rm, tr := population(t)
	before, _ := rm.Worklist("demo", WorklistQuery{Status: evaluator.Incomplete}) // caches the order
	if before.Rows[0].Patient != "Patient/i1" {
		t.Fatalf("first incomplete %s", before.Rows[0].Patient)
	}
	put(rm, tr, "Patient/i1", R, M, M, M, N) // i1's ANC arrives: now a candidate
	put(rm, tr, "Patient/i2", R, M, M, U, N) // i2's ANC arrives: one unknown left
	s, _ := rm.Trial("demo")
	if s.Total != 9 || s.Counts[evaluator.Candidate] != 2 || s.Counts[evaluator.Incomplete] != 3 {
		t.Errorf("counts after Put: %v", s.Counts)
	}
	if anc := s.Funnel[2]; anc.Unknown != 0 || anc.Met != 8 {
		t.Errorf("anc funnel after Put: %+v", anc)
	}
	w, _ := rm.Worklist("demo", WorklistQuery{Status: evaluator.Incomplete})
	if got := patientsOf(w); !cmp.Equal(got, []string{"Patient/i2", "Patient/i3", "Patient/i4"}) {
		t.Errorf("incomplete after Put: %v", got)
	}
	u, _ := rm.Unlock("demo", 0)
	if diff := cmp.Diff([]UnlockItem{{"LVEF within 90 days", 3, 3}}, u.Items); diff != "" {
		t.Errorf("unlock after Put (-want +got):\n%s", diff)
	}

	rm.Put(PatientState{Patient: "Patient/x1"}) // no evaluation left for the trial
	rm.Remove("Patient/x2")
	rm.Remove("Patient/never-seen")
	s, _ = rm.Trial("demo")
	if s.Total != 7 || s.Counts[evaluator.Ineligible] != 1 || s.Funnel[1].NotMet != 0 {
		t.Errorf("after removals: total %d counts %v age %+v", s.Total, s.Counts, s.Funnel[1])
	}
	if _, ok := rm.Patient("Patient/x2"); ok {
		t.Error("removed patient still has a page")
	}
}

func TestRefreshKeepsCachedOrderButShowsNewEvaluation(t *testing.T) {
	rm, tr := population(t)
	rm.Worklist("demo", WorklistQuery{Status: evaluator.Incomplete})
	ev := evalOf(tr, "Patient/i3", R, M, M, U, N)
	ev.AsOf = asOf.Add(time.Hour)
	rm.Put(PatientState{Patient: "Patient/i3", Evaluations: []evaluator.Evaluation{ev}})
	w, _ := rm.Worklist("demo", WorklistQuery{Status: evaluator.Incomplete, Query: "i3"})
	if len(w.Rows) != 1 || !w.Rows[0].AsOf.Equal(ev.AsOf) {
		t.Errorf("refreshed row: %+v", w.Rows)
	}
}

func patientsOf(w Worklist) []string {
	var out []string
	for _, r := range w.Rows {
		out = append(out, r.Patient)
	}
	return out
}

// TestIncrementalMatchesRebuild: after random Puts and Removes, the
// maintained aggregates equal those of a model built from the final states.
func TestIncrementalMatchesRebuild(t *testing.T) {
	tr := demoTrial()
	results := []evaluator.Result{M, N, U, R}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		rm := NewReadModel([]evaluator.Trial{tr})
		final := map[string]PatientState{}
		for range 300 {
			id := fmt.Sprintf("Patient/%d", rng.IntN(40))
			if rng.IntN(10) == 0 {
				rm.Remove(id)
				delete(final, id)
				continue
			}
			var rs []evaluator.Result
			for range tr.Criteria {
				rs = append(rs, results[rng.IntN(len(results))])
			}
			ps := PatientState{Patient: id, Evaluations: []evaluator.Evaluation{evalOf(tr, id, rs...)}}
			rm.Put(ps)
			final[id] = ps
			if rng.IntN(5) == 0 {
				rm.Worklist("demo", WorklistQuery{Status: Statuses[rng.IntN(4)]})
			}
		}
		fresh := NewReadModel([]evaluator.Trial{tr})
		for _, ps := range final {
			fresh.Put(ps)
		}
		if diff := cmp.Diff(fresh.Trials(), rm.Trials()); diff != "" {
			t.Fatalf("seed %d: summary (-rebuilt +incremental):\n%s", seed, diff)
		}
		u1, _ := fresh.Unlock("demo", 0)
		u2, _ := rm.Unlock("demo", 0)
		if diff := cmp.Diff(u1, u2); diff != "" {
			t.Fatalf("seed %d: unlock (-rebuilt +incremental):\n%s", seed, diff)
		}
		w1, _ := fresh.Worklist("demo", WorklistQuery{PageSize: MaxPageSize})
		w2, _ := rm.Worklist("demo", WorklistQuery{PageSize: MaxPageSize})
		if diff := cmp.Diff(w1, w2); diff != "" {
			t.Fatalf("seed %d: worklist (-rebuilt +incremental):\n%s", seed, diff)
		}
	}
}

func TestHistoryBoundOrderAndDuplicates(t *testing.T) {
	rm := NewReadModel([]evaluator.Trial{demoTrial()})
	start := asOf
	// 60 events, sent out of order, each twice.
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(60) {
		tr := Transition{EventID: fmt.Sprintf("ev-%02d", i), Trial: "demo", Patient: "Patient/h",
			From: evaluator.Incomplete, To: evaluator.Candidate, Time: start.Add(time.Duration(i) * time.Minute), Cause: "Observation/o"}
		rm.AddTransition(tr)
		rm.AddTransition(tr)
	}
	v, ok := rm.Patient("Patient/h")
	if !ok {
		t.Fatal("no page for a patient with history only")
	}
	if len(v.History) != HistoryLimit {
		t.Fatalf("history holds %d, want %d", len(v.History), HistoryLimit)
	}
	if v.History[0].EventID != "ev-59" || v.History[HistoryLimit-1].EventID != "ev-10" {
		t.Errorf("history spans %s..%s, want ev-59..ev-10 (newest first)", v.History[0].EventID, v.History[HistoryLimit-1].EventID)
	}
	for i := 1; i < len(v.History); i++ {
		if v.History[i].Time.After(v.History[i-1].Time) {
			t.Fatalf("history not newest first at %d", i)
		}
	}
}

func TestPatientView(t *testing.T) {
	rm, _ := population(t)
	other := evaluator.Evaluation{Trial: "retired", Patient: "Patient/i2", Status: evaluator.Candidate,
		Criteria: []evaluator.CriterionResult{{ID: "X", Kind: evaluator.Inclusion, Result: evaluator.Met}}}
	ps := PatientState{Patient: "Patient/i2", Evaluations: []evaluator.Evaluation{other, evalOf(demoTrial(), "Patient/i2", R, M, U, U, N)}}
	rm.Put(ps)
	v, ok := rm.Patient("Patient/i2")
	if !ok || len(v.Trials) != 2 || v.Trials[0].Trial != "demo" || v.Trials[1].Trial != "retired" {
		t.Fatalf("trials of the page: %+v", v.Trials)
	}
	d := v.Trials[0]
	if d.Title != "Demo trial" || d.Status != evaluator.Incomplete || len(d.Criteria) != 5 {
		t.Errorf("demo trial view: %+v", d)
	}
	consent, anc := d.Criteria[0], d.Criteria[2]
	if consent.Automated || consent.Text != "Signs the consent form." || !anc.Automated {
		t.Errorf("automated flags: consent %+v anc %+v", consent, anc)
	}
	if !cmp.Equal(anc.Obtain, []string{"ANC within 28 days"}) {
		t.Errorf("anc obtain %v", anc.Obtain)
	}
	if got := rm.Search("patient/I", 2); !cmp.Equal(got, []string{"Patient/i1", "Patient/i2"}) {
		t.Errorf("search: %v", got)
	}
	if s, _ := rm.Trial("demo"); s.Total != 9 {
		t.Errorf("an unknown trial's evaluation counted: total %d", s.Total)
	}
}

func TestConcurrentPutAndRead(t *testing.T) {
	rm, tr := population(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := fmt.Sprintf("Patient/g%d-%d", g, i%10)
				put(rm, tr, id, R, M, U, M, N)
				rm.AddTransition(Transition{Patient: id, Trial: "demo", To: evaluator.Incomplete, Time: asOf})
				rm.Worklist("demo", WorklistQuery{Status: evaluator.Incomplete})
				rm.Trials()
				rm.Unlock("demo", 5)
				rm.Patient(id)
				if i%7 == 0 {
					rm.Remove(id)
				}
			}
		}()
	}
	wg.Wait()
}
