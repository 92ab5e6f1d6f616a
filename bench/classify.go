package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/trialscout/trialscout/engine"
	"github.com/trialscout/trialscout/fhirmap"
)

// class is what the worker's mapping makes of a resource.
type class int

const (
	relevant   class = iota // a fact some trial reads: evaluated, stored
	irrelevant              // a type the worker reads, but no concept matches: skipped
	notRead                 // a type no trial reads (Encounter, Claim ...)
	rejected                // unreadable: copied to REJECTED
	numClasses
)

// mapPass maps every payload with the worker's mapper, one at a time, and
// classifies it by the result.
type mapPass struct {
	each     []time.Duration // per payload, in input order
	classes  []class
	patients map[string]bool
	// disagree counts generated resources the generator calls relevant and
	// the mapper not, or the other way round.
	disagree int
}

func measureMap(ctx context.Context, eng *engine.Evaluator, in *input) (mapPass, error) {
	m := mapPass{each: make([]time.Duration, len(in.items)), classes: make([]class, len(in.items)), patients: map[string]bool{}}
	for i, it := range in.items {
		if i%1024 == 0 && ctx.Err() != nil {
			return m, fmt.Errorf("map pass: %w", ctx.Err())
		}
		start := time.Now()
		rs := eng.Map(it.json, fhirmap.Position{File: it.subject})
		m.each[i] = time.Since(start)
		m.classes[i] = classOf(rs)
		for _, r := range rs {
			if r.Fact != nil {
				m.patients[r.Fact.Patient] = true
			}
		}
		if it.generated && it.genRelevant != (m.classes[i] == relevant) {
			m.disagree++
		}
	}
	return m, nil
}

// classOf classifies one resource's results (a split resource gives one).
func classOf(rs []fhirmap.Result) class {
	c := notRead
	for _, r := range rs {
		switch {
		case r.Err != nil:
			return rejected
		case r.Fact != nil && r.Fact.Kept():
			c = relevant
		case r.Fact != nil && c == notRead:
			c = irrelevant
		}
	}
	return c
}

// skipCost compares mapping the irrelevant resources with parsing them.
type skipCost struct {
	count      int
	mapTotal   time.Duration
	parseTotal time.Duration
}

func (s skipCost) ratio() float64 {
	if s.parseTotal <= 0 {
		return 0
	}
	return float64(s.mapTotal) / float64(s.parseTotal)
}

func measureSkip(m mapPass, p parsePass) skipCost {
	var s skipCost
	for i, c := range m.classes {
		if c == irrelevant {
			s.count++
			s.mapTotal += m.each[i]
			s.parseTotal += p.each[i]
		}
	}
	return s
}
