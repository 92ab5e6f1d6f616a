package evaluator

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// statement is one medication record placed in time.
type statement struct {
	m        *facts.Medication
	concepts slots // what the trial makes of the drug
	start    time.Time
	end      time.Time // meaningful only when !open
	open     bool      // active with no end: ongoing
}

func (s statement) zeroLength() bool { return !s.open && !s.end.After(s.start) }

// exposure is one ingredient's touching or overlapping statements, merged.
type exposure struct {
	ingredient string
	concepts   slots
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
func counts(m *facts.Medication) bool { return facts.CountsAsExposure(m.IsRequest(), m.Status) }

// placedStatement turns a record into a statement: its period, or its
// start alone when it has no end and is not active.
func placedStatement(m *facts.Medication) statement {
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

// exposures merges the patient's records of the trial's drugs up to now
// into one exposure per ingredient episode. Computed once per pass, from
// the records placed in time once per change of them (placedMeds).
func (c *evalContext) exposures() []*exposure {
	if c.exps != nil {
		return c.exps
	}
	meds := c.idx.placedMeds()
	out := []*exposure{}
	for _, ing := range meds.ingredients {
		stmts := meds.byIngredient[ing]
		started := sort.Search(len(stmts), func(i int) bool { return stmts[i].start.After(c.asOf) })
		for _, s := range stmts[started:] {
			c.changesAt(s.start)
		}
		for _, s := range stmts[:started] {
			if !s.open && s.end.After(c.asOf) {
				c.changesAt(s.end)
			}
		}
		out = append(out, merge(ing, stmts[:started])...)
	}
	c.exps = out
	return out
}

// medsInTime is the trial's medication records that count as exposures,
// placed in time, by ingredient (in name order), each by start then
// reference.
type medsInTime struct {
	ingredients  []string
	byIngredient map[string][]statement
}

// placedMeds places the indexed medication records, once until one of
// them changes.
func (ix *index) placedMeds() *medsInTime {
	if ix.placed != nil {
		return ix.placed
	}
	pl := &medsInTime{byIngredient: map[string][]statement{}}
	for _, mr := range ix.meds {
		m := mr.fact
		if !counts(m) || m.Start.IsZero() {
			continue
		}
		s := placedStatement(m)
		s.concepts = mr.slots
		for _, ing := range ingredientsOf(m, ix.ingredient[m]) {
			if pl.byIngredient[ing] == nil {
				pl.ingredients = append(pl.ingredients, ing)
			}
			pl.byIngredient[ing] = append(pl.byIngredient[ing], s)
		}
	}
	slices.Sort(pl.ingredients)
	for _, stmts := range pl.byIngredient {
		slices.SortFunc(stmts, func(a, b statement) int {
			if c := a.start.Compare(b.start); c != 0 {
				return c
			}
			return strings.Compare(a.m.Ref, b.m.Ref)
		})
	}
	ix.placed = pl
	return pl
}

func ingredientsOf(m *facts.Medication, ingredients []string) []string {
	if len(ingredients) > 0 {
		return ingredients
	}
	if m.Display != "" {
		return []string{strings.ToLower(m.Display)}
	}
	return []string{m.Ref}
}

// merge joins one ingredient's statements, in start order, into episodes.
func merge(ing string, stmts []statement) []*exposure {
	var out []*exposure
	var cur *exposure
	for _, s := range stmts {
		if cur != nil && (cur.open || !s.start.After(cur.end)) {
			cur.stmts = append(cur.stmts, s)
			cur.open = cur.open || s.open
			if s.end.After(cur.end) {
				cur.end = s.end
			}
			cur.concepts = union(cur.concepts, s.concepts)
			continue
		}
		cur = &exposure{ingredient: ing, concepts: s.concepts, stmts: []statement{s}, start: s.start, end: s.end, open: s.open}
		out = append(out, cur)
	}
	return out
}

func union(a, b slots) slots {
	out := slices.Clone(a)
	for _, x := range b {
		if !out.has(x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// ofConcept filters exposures to those of a concept.
func (c *evalContext) ofConcept(exps []*exposure, concept string) []*exposure {
	slot := c.concept(concept).slot
	var out []*exposure
	for _, e := range exps {
		if e.concepts.has(slot) {
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
