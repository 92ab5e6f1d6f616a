package workspace

import (
	"fmt"
	"time"

	"github.com/trialscout/trialscout/evaluator"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// demoTrial is a small trial: one criterion left to a person, three
// automated inclusions (two with lab windows) and one exclusion.
func demoTrial() evaluator.Trial {
	return evaluator.Trial{
		ID: "demo", Title: "Demo trial",
		Parameters: map[string]string{"screening_window": "28d", "echo_window": "90d"},
		Concepts: []evaluator.Concept{
			{Name: "anc", Title: "ANC", Window: "screening_window"},
			{Name: "lvef", Title: "LVEF", Window: "echo_window"},
			{Name: "infection", Title: "infection"},
		},
		Criteria: []evaluator.Criterion{
			{ID: "consent", Kind: evaluator.Inclusion, Text: "Signs the consent form.", Review: "consent is taken by the study team"},
			{ID: "age", Kind: evaluator.Inclusion, Text: "Aged 18 to 69.", Rule: "patient.age_between(18, 69)"},
			{ID: "anc", Kind: evaluator.Inclusion, Text: "ANC >= 1.5.", Rule: `patient.lab_at_least("anc", 1.5)`},
			{ID: "lvef", Kind: evaluator.Inclusion, Text: "LVEF >= 40%.", Rule: `patient.lab_at_least("lvef", 40)`},
			{ID: "infection", Kind: evaluator.Exclusion, Text: "Active infection.", Rule: `patient.active_condition("infection")`},
		},
	}
}

// reasons are what the evaluator says for each demo criterion and result.
var reasons = map[string]map[evaluator.Result]string{
	"consent":   {evaluator.Review: "consent is taken by the study team", evaluator.Met: "decided by a person"},
	"age":       {evaluator.Met: "age 45 at 2026-11-01 is within 18-69", evaluator.NotMet: "age 17 at 2026-11-01 is below 18", evaluator.Unknown: "no birth date on record"},
	"anc":       {evaluator.Met: "ANC 3.2 10*9/L on 2026-10-26 >= 1.5", evaluator.NotMet: "ANC 1.2 10*9/L on 2026-10-26 < 1.5", evaluator.Unknown: "no ANC in the 28 days up to 2026-11-01"},
	"lvef":      {evaluator.Met: "LVEF 60 % on 2026-09-22 >= 40", evaluator.NotMet: "LVEF 30 % on 2026-09-22 < 40", evaluator.Unknown: "no LVEF in the 90 days up to 2026-11-01"},
	"infection": {evaluator.Met: "infection on record (pneumonia)", evaluator.NotMet: "no active infection condition on record", evaluator.Unknown: "infection has no onset or recorded date"},
}

// evalOf builds an evaluation of the trial with the results in protocol
// order ("met", "not_met", "unknown", "review"), its status as the protocol
// gives it.
func evalOf(t evaluator.Trial, patient string, results ...evaluator.Result) evaluator.Evaluation {
	if len(results) != len(t.Criteria) {
		panic(fmt.Sprintf("%d results for %d criteria", len(results), len(t.Criteria)))
	}
	ev := evaluator.Evaluation{Trial: t.ID, Patient: patient, AsOf: asOf}
	for i, c := range t.Criteria {
		var evidence []string
		if results[i] == evaluator.Met || results[i] == evaluator.NotMet {
			evidence = []string{"Observation/" + c.ID + "-1"}
		}
		ev.Criteria = append(ev.Criteria, evaluator.CriterionResult{ID: c.ID, Kind: c.Kind, Result: results[i],
			Reason: reasonOf(c.ID, results[i]), Evidence: evidence})
	}
	ev.Status = statusOf(ev.Criteria)
	until := asOf.AddDate(0, 0, 20)
	ev.ValidUntil = &until
	return ev
}

func reasonOf(id string, r evaluator.Result) string {
	if s := reasons[id][r]; s != "" {
		return s
	}
	return fmt.Sprintf("%s is %s", id, r)
}

// statusOf is the contract's rule, eligible included.
func statusOf(results []evaluator.CriterionResult) evaluator.Status {
	complete, open := true, false
	for _, r := range results {
		switch {
		case against(r.Kind, r.Result):
			return evaluator.Ineligible
		case r.Result == evaluator.Review:
			open = true
		case !inFavour(r.Kind, r.Result):
			complete = false
		}
	}
	switch {
	case !complete:
		return evaluator.Incomplete
	case open:
		return evaluator.Candidate
	}
	return Eligible
}

// Shorthands for results.
const (
	M = evaluator.Met
	N = evaluator.NotMet
	U = evaluator.Unknown
	R = evaluator.Review
)

func put(rm *ReadModel, t evaluator.Trial, patient string, results ...evaluator.Result) {
	rm.Put(PatientState{Patient: patient, Evaluations: []evaluator.Evaluation{evalOf(t, patient, results...)}})
}
