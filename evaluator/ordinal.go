package evaluator

import (
	"fmt"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Ordinal scales. A concept with `ordinal:` lists the levels of a coded
// scale, lowest first (NYHA class I, II, III, IV), each with the codes that
// mean it. Its latest value in the window is read from an Observation of the
// concept whose coded value is a level, or from an active Condition coded
// with a level (the same finding on the problem list, dated by its start);
// the latest of these decides, an Observation before a Condition of the
// same time.

func init() {
	register(
		ordinalCompare("ordinal_at_least", ">=", func(r, x int) bool { return r >= x }),
		ordinalCompare("ordinal_at_most", "<=", func(r, x int) bool { return r <= x }),
	)
}

func ordinalCompare(name, op string, cmp func(rank, level int) bool) *function {
	return &function{name: name, args: []argKind{argConcept, argLevel, argSpan}, optional: 1, windowed: true,
		doc: "the latest value of the ordinal concept in its window (or the span), an Observation or a Condition, ranks " + op + " the level",
		impl: func(c *evalContext, a args) tri {
			k := c.concept(a.str(0))
			return c.ordinalCompare(k, c.windowOf(k, a, 2), k.levelRank(a.str(1)), op, cmp)
		}}
}

// levelRank is the rank of a level name, lowest 0; -1 when not a level.
func (k *compiledConcept) levelRank(name string) int {
	for i, l := range k.Ordinal {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// levelOf is the rank of the first level any of the codings means.
func (k *compiledConcept) levelOf(codings []facts.Coding) int {
	for _, c := range codings {
		for i, l := range k.Ordinal {
			if hasCoding(l.Codes, c) {
				return i
			}
		}
	}
	return -1
}

// ordinalValue is one dated value of an ordinal concept.
type ordinalValue struct {
	rank int // -1: the value is not a level
	at   time.Time
	ref  string
	what string // "on 2026-10-26", "recorded as a condition from 2026-09-01"
}

func (c *evalContext) ordinalCompare(k *compiledConcept, w *Span, want int, op string, cmp func(int, int) bool) tri {
	v, ok := c.latestOrdinal(k, w)
	if !ok {
		return c.recordBy(unknown, func() string { return c.noResult(k, w) })
	}
	if v.rank < 0 {
		return c.recordBy(unknown, func() string {
			return k.Title + " " + v.what + " is none of the levels " + k.levelNames()
		}, v.ref)
	}
	holds := cmp(v.rank, want)
	shown := op
	if !holds {
		shown = negate[op]
	}
	return c.recordBy(triOf(holds), func() string {
		return k.Title + " " + k.Ordinal[v.rank].Name + " " + v.what + " " + shown + " " + k.Ordinal[want].Name
	}, v.ref)
}

func (k *compiledConcept) levelNames() string {
	s := ""
	for i, l := range k.Ordinal {
		if i > 0 {
			s += ", "
		}
		s += l.Name
	}
	return s
}

// latestOrdinal is the latest value of k in the window w.
func (c *evalContext) latestOrdinal(k *compiledConcept, w *Span) (ordinalValue, bool) {
	var best ordinalValue
	found := false
	if o := c.latest(k, w); o != nil {
		best, found = ordinalValue{rank: k.observedLevel(o), at: o.Effective, ref: o.Ref, what: "on " + day(o.Effective)}, true
	}
	for _, cond := range c.idx.conditions[k.slot] {
		rank := k.levelOf(cond.Codes)
		st := c.start(cond)
		if rank < 0 || !active(cond) || st.IsZero() {
			continue
		}
		if st.After(c.asOf) {
			c.changesAt(st)
			continue
		}
		if w != nil && !st.After(w.Before(c.asOf)) {
			continue
		}
		if found && !st.After(best.at) {
			continue
		}
		if w != nil {
			c.changesAt(w.After(st))
		}
		best, found = ordinalValue{rank: rank, at: st, ref: cond.Ref, what: "recorded as a condition from " + day(st)}, true
	}
	return best, found
}

// observedLevel is the level an Observation gives: its coded value's, else
// its own code's (a finding sent as the Observation's code).
func (k *compiledConcept) observedLevel(o *facts.Observation) int {
	if o.Value.Kind == facts.CodedValue {
		if r := k.levelOf(o.Value.Codes); r >= 0 {
			return r
		}
	}
	return k.levelOf(o.Codes)
}

// checkOrdinal checks a concept's levels: each named once, each with codes.
func (c *compiler) checkOrdinal(k *compiledConcept) {
	seen := map[string]bool{}
	for i, l := range k.Ordinal {
		switch {
		case l.Name == "":
			c.fail(k.Line, 0, "concept %s: ordinal level %d has no name", k.Name, i+1)
		case seen[l.Name]:
			c.fail(k.Line, 0, "concept %s: ordinal level %q is listed twice", k.Name, l.Name)
		case len(l.Codes) == 0:
			c.fail(k.Line, 0, "concept %s: ordinal level %q has no codes", k.Name, l.Name)
		}
		seen[l.Name] = true
	}
}

// checkLevel checks a level argument against the concept's levels.
func (c *compiler) checkLevel(k *compiledConcept, level string) error {
	switch {
	case k == nil:
		return nil // the concept argument's own error says why
	case len(k.Ordinal) == 0:
		return fmt.Errorf("concept %s has no ordinal levels (give it ordinal: with its levels, lowest first)", k.Name)
	case k.levelRank(level) < 0:
		return fmt.Errorf("%s has no level %q (its levels, lowest first: %s)", k.Name, level, k.levelNames())
	}
	return nil
}
