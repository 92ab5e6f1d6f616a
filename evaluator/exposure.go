package evaluator

import (
	"sort"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// statement is one medication record placed in time.
type statement struct {
	m     *facts.Medication
	start time.Time
	end   time.Time // meaningful only when !open
	open  bool      // active with no end: ongoing
}

func (s statement) zeroLength() bool { return !s.open && !s.end.After(s.start) }

// exposure is one ingredient's touching or overlapping statements, merged.
type exposure struct {
	ingredient string
	concepts   []string
	stmts      []statement // by start
	start, end time.Time
	open       bool
}

func (e *exposure) ongoing(t time.Time) bool {
	return !e.start.After(t) && (e.open || !e.end.Before(t)) && !(e.zeroLength() && e.start.Before(t))
}

func (e *exposure) zeroLength() bool { return !e.open && !e.end.After(e.start) }

// current is the latest-started statement: it gives the dose and route.
func (e *exposure) current() statement { return e.stmts[len(e.stmts)-1] }

func (e *exposure) refs() []string {
	out := make([]string, 0, len(e.stmts))
	for _, s := range e.stmts {
		out = append(out, s.m.Ref)
	}
	return out
}

// counts reports whether a record is a medication exposure at all: a
// not-taken or intended statement, or a request that is not active or
// completed, is none.
func counts(m *facts.Medication) bool {
	if strings.HasPrefix(m.Ref, "MedicationRequest/") {
		return m.Status == "active" || m.Status == "completed"
	}
	return m.Status != "not-taken" && m.Status != "intended" && m.Status != "entered-in-error"
}

// placed turns a record into a statement: its period, or its start alone
// when it has no end and is not active.
func placed(m *facts.Medication) statement {
	s := statement{m: m, start: m.Start, end: m.End}
	if m.End.IsZero() {
		if m.Status == "active" {
			s.open = true
		} else {
			s.end = m.Start
		}
	}
	return s
}

// exposures merges the patient's medication records up to now into one
// exposure per ingredient episode. Computed once per pass.
func (c *evalContext) exposures() []*exposure {
	if c.exps != nil {
		return c.exps
	}
	byIngredient := map[string][]statement{}
	for _, m := range c.p.Medications {
		if !counts(m) || m.Start.IsZero() {
			continue
		}
		if m.Start.After(c.asOf) {
			c.changesAt(m.Start)
			continue
		}
		s := placed(m)
		if !s.open && s.end.After(c.asOf) {
			c.changesAt(s.end)
		}
		for _, ing := range ingredientsOf(m) {
			byIngredient[ing] = append(byIngredient[ing], s)
		}
	}
	var out []*exposure
	for ing, stmts := range byIngredient {
		out = append(out, merge(ing, stmts)...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ingredient != out[j].ingredient {
			return out[i].ingredient < out[j].ingredient
		}
		return out[i].start.Before(out[j].start)
	})
	if out == nil {
		out = []*exposure{}
	}
	c.exps = out
	return out
}

func ingredientsOf(m *facts.Medication) []string {
	if len(m.Ingredients) > 0 {
		return m.Ingredients
	}
	if m.Display != "" {
		return []string{strings.ToLower(m.Display)}
	}
	return []string{m.Ref}
}

func merge(ing string, stmts []statement) []*exposure {
	sort.Slice(stmts, func(i, j int) bool {
		if !stmts[i].start.Equal(stmts[j].start) {
			return stmts[i].start.Before(stmts[j].start)
		}
		return stmts[i].m.Ref < stmts[j].m.Ref
	})
	var out []*exposure
	var cur *exposure
	for _, s := range stmts {
		if cur != nil && (cur.open || !s.start.After(cur.end)) {
			cur.stmts = append(cur.stmts, s)
			cur.open = cur.open || s.open
			if s.end.After(cur.end) {
				cur.end = s.end
			}
			cur.concepts = union(cur.concepts, s.m.Concepts)
			continue
		}
		cur = &exposure{ingredient: ing, concepts: s.m.Concepts, stmts: []statement{s}, start: s.start, end: s.end, open: s.open}
		out = append(out, cur)
	}
	return out
}

func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, x := range b {
		if !has(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ofConcept filters exposures to those of a concept.
func ofConcept(exps []*exposure, concept string) []*exposure {
	var out []*exposure
	for _, e := range exps {
		if has(e.concepts, concept) {
			out = append(out, e)
		}
	}
	return out
}

// daysUpTo is the exposure's length up to t, in days.
func (e *exposure) daysUpTo(t time.Time) float64 {
	end := e.end
	if e.open || end.After(t) {
		end = t
	}
	if !end.After(e.start) {
		return 0
	}
	return end.Sub(e.start).Hours() / 24
}
