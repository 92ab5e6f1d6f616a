package evaluator

import (
	"strings"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// People's decisions (facts.Decision) take the place of a criterion's
// result: a criterion left to a person gets its result from one; an
// automated result can be overridden, with its reason, and the automated
// result stays in the reason for whoever checks it.

// decisions returns the trial's present decisions by criterion id; when a
// criterion has several (a feed that sent two resources), the latest.
func (p *Program) decisions(pt *facts.Patient) map[string]*facts.Decision {
	var out map[string]*facts.Decision
	for _, d := range pt.Decisions {
		if d.Trial != p.trial.ID || d.Retracted {
			continue
		}
		if out == nil {
			out = map[string]*facts.Decision{}
		}
		if prev := out[d.Criterion]; prev == nil || d.At.After(prev.At) || (d.At.Equal(prev.At) && d.Ref > prev.Ref) {
			out[d.Criterion] = d
		}
	}
	return out
}

// applyDecision makes a decision the criterion's result.
func applyDecision(cr *CriterionResult, d *facts.Decision) {
	who := d.By
	if !d.At.IsZero() {
		who += " on " + day(d.At)
	}
	auto, autoReason := cr.Result, cr.Reason
	cr.Result = Result(d.Result)
	if auto == Review {
		cr.Reason = d.Result + ": " + d.Reason + ", recorded by " + who
		cr.Evidence = []string{d.Ref}
		return
	}
	var b strings.Builder
	b.WriteString(d.Result + ": " + d.Reason + ", overridden by " + who + " (automated: " + string(auto))
	if autoReason != "" {
		b.WriteString(", " + autoReason)
	}
	b.WriteString(")")
	cr.Reason = b.String()
	cr.Evidence = append([]string{d.Ref}, cr.Evidence...)
}
