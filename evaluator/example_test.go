package evaluator_test

import (
	"fmt"
	"time"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

func Example() {
	trial := evaluator.Trial{
		ID:         "anc-demo",
		Parameters: map[string]string{"screening_window": "28d"},
		Concepts: []evaluator.Concept{{
			Name: "anc", Title: "ANC", Window: "screening_window", Unit: "10*9/L",
			Codes: []facts.Coding{{System: "http://loinc.org", Code: "751-8"}},
		}},
		Criteria: []evaluator.Criterion{
			{ID: "adult", Kind: evaluator.Inclusion, Rule: `patient.age_between(18, 69)`},
			{ID: "anc", Kind: evaluator.Inclusion, Rule: `patient.lab_at_least("anc", "1.5 10*9/L")`},
			{ID: "consent", Kind: evaluator.Inclusion, Review: "consent is taken by the study team"},
		},
	}
	prog, err := evaluator.Compile(trial)
	if err != nil {
		panic(err)
	}

	p := facts.NewPatient("Patient/1")
	p.Apply(facts.Resource{Patient: "Patient/1", Demographics: &facts.Demographics{
		Meta: facts.Meta{Ref: "Patient/1"}, BirthDate: time.Date(1980, 5, 2, 0, 0, 0, 0, time.UTC)}})
	p.Apply(facts.Resource{Patient: "Patient/1", Relevant: true, Observation: &facts.Observation{
		Meta: facts.Meta{Ref: "Observation/a1"}, Codes: []facts.Coding{{System: "http://loinc.org", Code: "751-8"}}, Status: "final",
		Effective: time.Date(2026, 10, 30, 8, 0, 0, 0, time.UTC),
		Value:     facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 1200, Unit: "/uL"}}}})

	ev := prog.Evaluate(p, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(ev.Status)
	for _, c := range ev.Criteria {
		fmt.Printf("%s %s: %s %v\n", c.ID, c.Result, c.Reason, c.Evidence)
	}
	fmt.Println("valid until", ev.ValidUntil.Format(time.RFC3339))
	// Output:
	// ineligible
	// adult met: age 46 at 2026-11-01 is within 18-69 [Patient/1]
	// anc not_met: ANC 1.2 10*9/L (1200 /uL) on 2026-10-30T08:00Z < 1.5 10*9/L [Observation/a1]
	// consent review: consent is taken by the study team []
	// valid until 2026-11-27T08:00:00Z
}

func ExampleDiff() {
	prev := evaluator.Evaluation{Status: evaluator.Candidate, Criteria: []evaluator.CriterionResult{
		{ID: "I8.hb", Result: evaluator.Met}, {ID: "I8.anc", Result: evaluator.Met}}}
	next := evaluator.Evaluation{Status: evaluator.Ineligible, Criteria: []evaluator.CriterionResult{
		{ID: "I8.hb", Result: evaluator.NotMet}, {ID: "I8.anc", Result: evaluator.Met}}}
	changed, changes := evaluator.Diff(&prev, &next)
	fmt.Println(changed, changes)
	// Output: true [{I8.hb met not_met}]
}
