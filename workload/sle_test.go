package workload

import (
	"testing"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
	"github.com/trialscout/trialscout/internal/testengine"
)

var aimStatus = map[aim]evaluator.Status{
	aimCandidate:  evaluator.Candidate,
	aimIneligible: evaluator.Ineligible,
	aimIncomplete: evaluator.Incomplete,
}

// TestSLEStoriesReachTheirAim builds SLE patients of every story (clean,
// each defect, each gap; story and background, no updates) and evaluates
// each with the shipped trial at AsOf: each reaches the status its story
// is written for.
func TestSLEStoriesReachTheirAim(t *testing.T) {
	e := testengine.Shipped(t)
	cfg, _ := Config{Patients: 1, Seed: 3}.withDefaults()
	stories := []sleStory{{aim: aimCandidate}}
	for _, d := range defects {
		stories = append(stories, sleStory{aim: aimIneligible, defect: d})
	}
	for _, g := range gaps {
		stories = append(stories, sleStory{aim: aimIncomplete, gap: g})
	}
	for i := range 4 * len(stories) {
		b := newBuilder(cfg, i)
		s := b.sleWith(stories[i%len(stories)])
		b.background(b.r.intIn(5, 15), s.everyday(ordinaryShares), s.screen+1, 730, true)
		rs, err := b.resources()
		if err != nil {
			t.Fatal(err)
		}
		p := facts.NewPatient(b.ref.Reference)
		for _, r := range rs {
			for _, res := range e.Map(r.JSON, fhirmap.Position{File: r.Ref}) {
				if res.Fact != nil {
					p.Apply(*res.Fact)
				}
			}
		}
		ev := sleEvaluation(t, e.Evaluate(p, cfg.AsOf))
		if ev.Status != aimStatus[s.aim] {
			t.Errorf("patient %d (defect %q, gap %q): %s, want %s", i, s.defect, s.gap, ev.Status, aimStatus[s.aim])
			for _, c := range ev.Criteria {
				if c.Result == evaluator.NotMet && c.Kind == evaluator.Inclusion || c.Result == evaluator.Met && c.Kind == evaluator.Exclusion || c.Result == evaluator.Unknown {
					t.Logf("  %s %s: %s", c.ID, c.Result, c.Reason)
				}
			}
		}
	}
}

// sleEvaluation picks the SLE trial's evaluation: the stories are written
// for it, whatever else is shipped.
func sleEvaluation(t *testing.T, evs []evaluator.Evaluation) evaluator.Evaluation {
	t.Helper()
	for _, ev := range evs {
		if ev.Trial == "sle-refractory" {
			return ev
		}
	}
	t.Fatal("no evaluation of sle-refractory")
	return evaluator.Evaluation{}
}
