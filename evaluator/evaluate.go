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
	ix := p.indexOf(pt)
	defer p.keepIndex(pt, ix)
	ix.at(p, asOf)
	ix.decided = p.decisions(pt)
	c := p.newContext(pt, ix, asOf, false)
	ev := Evaluation{Trial: p.trial.ID, Patient: pt.ID, AsOf: asOf, Criteria: make([]CriterionResult, 0, len(p.rules))}
	due := make([]time.Time, len(p.rules))
	for i, r := range p.rules {
		n := len(c.next)
		cr := r.decide(c)
		if d := ix.decided[r.ID]; d != nil {
			applyDecision(&cr, d)
			c.next = c.next[:n] // a decision does not change with time
		}
		ev.Criteria = append(ev.Criteria, cr)
		due[i] = earliest(c.next[n:])
	}
	ev.Status = statusOf(ev.Criteria)
	why, diesAt := deceased(pt, asOf)
	if why != "" {
		ev.Status, ev.StatusReason = Ineligible, why
	}
	ev.ValidUntil = p.validUntil(pt, ix, &ev, c.next, due)
	if !diesAt.IsZero() && (ev.ValidUntil == nil || diesAt.Before(*ev.ValidUntil)) {
		ev.ValidUntil = &diesAt // the status changes then, whatever the criteria
	}
	return ev
}

// deceased says why a patient counts as deceased at asOf ("" when not),
// else when a deceasedDateTime ahead of asOf makes them so.
func deceased(pt *facts.Patient, asOf time.Time) (why string, ahead time.Time) {
	d := pt.Demographics
	switch {
	case d == nil || !d.Deceased:
		return "", time.Time{}
	case d.DeceasedAt.IsZero():
		return "deceased (" + d.Ref + "): never a candidate", time.Time{}
	case d.DeceasedAt.After(asOf):
		return "", d.DeceasedAt
	}
	return "deceased on " + day(d.DeceasedAt) + " (" + d.Ref + "): never a candidate", time.Time{}
}

// newContext starts one pass over the criteria at one instant. quiet passes
// only need results, so functions skip building reasons.
func (p *Program) newContext(pt *facts.Patient, ix *index, asOf time.Time, quiet bool) *evalContext {
	c := &evalContext{prog: p, p: pt, asOf: asOf, idx: ix, quiet: quiet}
	c.vars = map[string]any{"patient": c}
	return c
}

func (r compiledRule) decide(c *evalContext) CriterionResult {
	out := CriterionResult{ID: r.ID, Kind: r.Kind, Evidence: []string{}}
	if r.prg == nil {
		out.Result, out.Reason = Review, r.Review
		return out
	}
	outcome, err := r.run(c)
	if err != nil {
		out.Result, out.Reason = Unknown, fmt.Sprintf("rule failed: %v", err)
		return out
	}
	out.Result = resultOf(outcome)
	out.Reason, out.Evidence = explain(c.findings, outcome)
	return out
}

// result is decide without the reason and evidence, for validity checks.
func (r compiledRule) result(c *evalContext) Result {
	if r.prg == nil {
		return Review
	}
	outcome, err := r.run(c)
	if err != nil {
		return Unknown
	}
	return resultOf(outcome)
}

// run evaluates the rule in c, starting from no findings.
func (r compiledRule) run(c *evalContext) (tri, error) {
	c.findings = c.findings[:0]
	val, _, err := r.prg.Eval(c.vars)
	if err != nil {
		return unknown, err
	}
	switch val.Value() {
	case true:
		return yes, nil
	case false:
		return no, nil
	}
	return unknown, nil
}

func resultOf(t tri) Result {
	switch t {
	case yes:
		return Met
	case no:
		return NotMet
	}
	return Unknown
}

// explain draws a criterion's reason and evidence from the findings that
// agree with its outcome (the failing part of an "and", the holding part of
// an "or"); when none agree, from all of them.
func explain(findings []finding, outcome tri) (string, []string) {
	all := true
	for _, f := range findings {
		if f.outcome == outcome {
			all = false
			break
		}
	}
	reasons := make([]string, 0, len(findings))
	var ev evidenceSet
	for _, f := range findings {
		if all || f.outcome == outcome {
			reasons = append(reasons, f.reason)
			ev.add(f.evidence)
		}
	}
	return joinReasons(reasons), ev.list()
}

// evidenceSet keeps references once each, in first-seen order. Short lists
// are searched; a map is made only for long ones (a long medication
// history), so that the usual criterion allocates nothing for it.
type evidenceSet struct {
	refs []string
	seen map[string]bool
}

const evidenceScanLimit = 16

func (s *evidenceSet) add(refs []string) {
	for _, r := range refs {
		if s.contains(r) {
			continue
		}
		s.refs = append(s.refs, r)
		if s.seen != nil {
			s.seen[r] = true
		}
	}
}

func (s *evidenceSet) contains(r string) bool {
	if s.seen == nil && len(s.refs) >= evidenceScanLimit {
		s.seen = make(map[string]bool, 2*len(s.refs))
		for _, x := range s.refs {
			s.seen[x] = true
		}
	}
	if s.seen != nil {
		return s.seen[r]
	}
	return has(s.refs, r)
}

// list is never nil: evidence is written as [] when empty.
func (s *evidenceSet) list() []string {
	if s.refs == nil {
		return []string{}
	}
	return s.refs
}

// validUntil finds the earliest candidate instant at which some criterion's
// result differs from ev's, checking candidates in order and adding those
// each check reveals. due holds, per criterion, the earliest instant its
// own functions said their answer could change (zero: none).
func (p *Program) validUntil(pt *facts.Patient, ix *index, ev *Evaluation, next []time.Time, due []time.Time) *time.Time {
	cands := uniqueSorted(next)
	for checks := 0; len(cands) > 0; checks++ {
		at := cands[0]
		if checks == maxValidityChecks {
			return &at
		}
		if p.dueChanged(pt, ix, ev, at, due) {
			return &at
		}
		more, changed := p.recheck(pt, ix, ev, at, due)
		if changed {
			return &at
		}
		cands = uniqueSorted(append(cands[1:], after(more, at)...))
	}
	return nil
}

// dueChanged re-checks first the criteria that said they could change by
// at: usually one of them did, and the other criteria need not run at all.
// It is only a shortcut: recheck still runs every criterion when none of
// these changed.
func (p *Program) dueChanged(pt *facts.Patient, ix *index, ev *Evaluation, at time.Time, due []time.Time) bool {
	var c *evalContext
	for i, r := range p.rules {
		if due[i].IsZero() || due[i].After(at) || ix.decided[r.ID] != nil {
			continue
		}
		if c == nil {
			c = p.newContext(pt, ix, at, true)
		}
		if r.result(c) != ev.Criteria[i].Result {
			return true
		}
	}
	return false
}

// recheck runs every criterion at at, in order, as the first evaluation
// did, and returns the instants they name and whether any result differs
// from ev's. It updates due.
func (p *Program) recheck(pt *facts.Patient, ix *index, ev *Evaluation, at time.Time, due []time.Time) ([]time.Time, bool) {
	c := p.newContext(pt, ix, at, true)
	for i, r := range p.rules {
		n := len(c.next)
		if ix.decided[r.ID] != nil {
			continue // decided by a person: the same at any time
		}
		if r.result(c) != ev.Criteria[i].Result {
			return nil, true
		}
		due[i] = earliest(c.next[n:])
	}
	return c.next, false
}

// earliest is the first of ts, or the zero time when there is none.
func earliest(ts []time.Time) time.Time {
	var first time.Time
	for _, t := range ts {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	return first
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
