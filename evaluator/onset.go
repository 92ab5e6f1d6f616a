package evaluator

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Onset: when a condition began, as an age or a date. Histories are
// closed-world: no Condition of the concept is false.

func init() {
	register(
		onsetAgeCompare("onset_age_at_least", ">=", func(a, n int) bool { return a >= n }),
		onsetAgeCompare("onset_age_below", "<", func(a, n int) bool { return a < n }),
		&function{name: "condition_started_within", args: []argKind{argConcept, argSpan},
			doc:  "a present Condition of the concept started (onset, else recorded) within the span up to now; an older one still active does not count",
			impl: func(c *evalContext, a args) tri { return c.conditionStartedWithin(a.str(0), c.span(a.str(1))) }},
	)
}

func onsetAgeCompare(name, op string, cmp func(age, n int) bool) *function {
	return &function{name: name, args: []argKind{argConcept, argNumber},
		doc: "age in whole years when the earliest present Condition of the concept began (onsetAge, else birthDate to its start) is " + op + " the number",
		impl: func(c *evalContext, a args) tri {
			return c.onsetAgeCompare(a.str(0), int(a.num(1)), op, cmp)
		}}
}

func (c *evalContext) onsetAgeCompare(concept string, n int, op string, cmp func(int, int) bool) tri {
	k := c.concept(concept)
	conds := c.conditions(concept)
	if len(conds) == 0 {
		return c.recordBy(no, func() string { return "no " + k.Title + " condition on record" })
	}
	youngest, from, how := -1, (*facts.Condition)(nil), ""
	for _, cond := range conds {
		if st := c.start(cond); st.After(c.asOf) {
			c.changesAt(st) // recorded ahead of time: it counts from its onset
			continue
		}
		if a, h, ok := c.onsetAge(cond); ok && (from == nil || a < youngest) {
			youngest, from, how = a, cond, h
		}
	}
	if from == nil {
		return c.record(unknown, k.Title+": the age at onset cannot be told (no onset age, or no onset date and birth date)", refsOf(conds)...)
	}
	holds := cmp(youngest, n)
	shown := op
	if !holds {
		shown = negate[op]
	}
	return c.recordBy(triOf(holds), func() string {
		return k.Title + " began at age " + strconv.Itoa(youngest) + " (" + how + ") " + shown + " " + strconv.Itoa(n)
	}, from.Ref)
}

// onsetAge is the whole years of age at a Condition's onset: its onsetAge
// when given, else from birthDate to its start; how says which.
func (c *evalContext) onsetAge(cond *facts.Condition) (int, string, bool) {
	if q := cond.OnsetAge; q != nil {
		if years, ok := ageYears(*q); ok {
			return years, "onset age " + num(q.Value) + " " + q.Unit, true
		}
	}
	birth, _, ok := c.birthDate()
	st := c.start(cond)
	if !ok || st.IsZero() {
		return 0, "", false
	}
	return age(birth, st), "from " + day(st), true
}

// ageYears reads an onsetAge quantity (UCUM a, mo, wk, d) as whole years.
func ageYears(q facts.Quantity) (int, bool) {
	perYear := map[string]float64{"a": 1, "yr": 1, "year": 1, "years": 1, "mo": 12, "month": 12, "months": 12,
		"wk": 52.1775, "week": 52.1775, "weeks": 52.1775, "d": 365.25, "day": 365.25, "days": 365.25}
	f, ok := perYear[strings.ToLower(q.Unit)]
	if !ok || q.Value < 0 || math.IsInf(q.Value, 0) || math.IsNaN(q.Value) {
		return 0, false
	}
	return int(math.Floor(q.Value/f + 1e-9)), true
}

// conditionStartedWithin: the start falls in (now-span, now].
func (c *evalContext) conditionStartedWithin(concept string, s Span) tri {
	k := c.concept(concept)
	from := s.Before(c.asOf)
	var hits []*facts.Condition
	var starts []time.Time
	for _, cond := range c.conditions(concept) {
		st := c.start(cond)
		switch {
		case st.IsZero() || !st.After(from):
			continue
		case st.After(c.asOf):
			c.changesAt(st)
			continue
		}
		hits = append(hits, cond)
		starts = append(starts, st)
		c.changesAt(s.After(st))
	}
	return c.recordConditions(func() string { return k.Title + " began " + s.upTo(c.asOf) }, hits, starts)
}
