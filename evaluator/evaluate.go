package evaluator

import (
	"fmt"
	"sort"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// maxValidityChecks bounds how many candidate instants Evaluate re-checks
// when it works out valid_until; past it, the next candidate is reported,
// which is early (safe: a re-evaluation that changes nothing) but never late.
const maxValidityChecks = 16

// Evaluate decides every criterion for one patient at asOf. It is pure and
// safe for concurrent use.
func (p *Program) Evaluate(pt *facts.Patient, asOf time.Time) Evaluation {
	asOf = asOf.UTC()
	ix := newIndex(pt)
	ev, next := p.evaluateAt(pt, ix, asOf)
	ev.ValidUntil = p.validUntil(pt, ix, &ev, next)
	return ev
}

func (p *Program) evaluateAt(pt *facts.Patient, ix *index, asOf time.Time) (Evaluation, []time.Time) {
	var next []time.Time
	var exps []*exposure
	ev := Evaluation{Trial: p.trial.ID, Patient: pt.ID, AsOf: asOf, Criteria: make([]CriterionResult, 0, len(p.rules))}
	for _, r := range p.rules {
		c := &evalContext{prog: p, p: pt, asOf: asOf, idx: ix, exps: &exps, next: &next}
		ev.Criteria = append(ev.Criteria, r.decide(c))
	}
	ev.Status = statusOf(ev.Criteria)
	return ev, next
}

func (r compiledRule) decide(c *evalContext) CriterionResult {
	out := CriterionResult{ID: r.ID, Kind: r.Kind, Evidence: []string{}}
	if r.prg == nil {
		out.Result, out.Reason = Review, r.Review
		return out
	}
	val, _, err := r.prg.Eval(map[string]any{"patient": c})
	if err != nil {
		out.Result, out.Reason = Unknown, fmt.Sprintf("rule failed: %v", err)
		return out
	}
	var outcome tri
	switch val.Value() {
	case true:
		outcome, out.Result = yes, Met
	case false:
		outcome, out.Result = no, NotMet
	default:
		outcome, out.Result = unknown, Unknown
	}
	out.Reason, out.Evidence = explain(c.findings, outcome)
	return out
}

// explain draws a criterion's reason and evidence from the findings that
// agree with its outcome (the failing part of an "and", the holding part of
// an "or"); when none agree, from all of them.
func explain(findings []finding, outcome tri) (string, []string) {
	var agree []finding
	for _, f := range findings {
		if f.outcome == outcome {
			agree = append(agree, f)
		}
	}
	if len(agree) == 0 {
		agree = findings
	}
	var reasons []string
	evidence := []string{}
	seen := map[string]bool{}
	for _, f := range agree {
		reasons = append(reasons, f.reason)
		for _, e := range f.evidence {
			if !seen[e] {
				seen[e] = true
				evidence = append(evidence, e)
			}
		}
	}
	return joinReasons(reasons), evidence
}

// validUntil finds the earliest candidate instant at which some criterion's
// result differs from ev's, checking candidates in order and adding those
// each check reveals.
func (p *Program) validUntil(pt *facts.Patient, ix *index, ev *Evaluation, next []time.Time) *time.Time {
	cands := uniqueSorted(next)
	for checks := 0; len(cands) > 0; checks++ {
		at := cands[0]
		if checks == maxValidityChecks {
			return &at
		}
		later, more := p.evaluateAt(pt, ix, at)
		if resultsDiffer(ev, &later) {
			return &at
		}
		cands = uniqueSorted(append(cands[1:], after(more, at)...))
	}
	return nil
}

func after(ts []time.Time, t time.Time) []time.Time {
	var out []time.Time
	for _, x := range ts {
		if x.After(t) {
			out = append(out, x)
		}
	}
	return out
}

func uniqueSorted(ts []time.Time) []time.Time {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var out []time.Time
	for _, t := range ts {
		if len(out) == 0 || !t.Equal(out[len(out)-1]) {
			out = append(out, t)
		}
	}
	return out
}

func resultsDiffer(a, b *Evaluation) bool {
	for i := range a.Criteria {
		if a.Criteria[i].Result != b.Criteria[i].Result {
			return true
		}
	}
	return false
}
