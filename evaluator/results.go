package evaluator

import (
	"fmt"
	"slices"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Reading results: the latest result of a concept in a window, its value in
// the concept's unit, and how a reason shows it.

// windowSpan is the concept's own window; nil when it has none (or "ever").
func (k *compiledConcept) windowSpan() *Span {
	if k.Window == "" || k.window.Ever() {
		return nil
	}
	return &k.window
}

// windowOf is the window a call reads k over: the span in argument i when
// the call gives one, else the concept's own.
func (c *evalContext) windowOf(k *compiledConcept, a args, i int) *Span {
	if i >= len(a) {
		return k.windowSpan()
	}
	s := c.span(a.str(i))
	if s.Ever() {
		return nil
	}
	return &s
}

// scopeOf is a window as a span for reasons: no window is "ever".
func scopeOf(w *Span) Span {
	if w == nil {
		return Span{Unit: spanEver, text: spanEver}
	}
	return *w
}

// latest is the usable observation of k in the window w (nil: no window)
// with the latest effective time (ordered as newer orders them). It notes
// when that answer changes with no new data: when the result leaves the
// window, or when a future-dated result becomes current (newest first).
//
// It scans rather than keeping the concept's results sorted: most are read
// once or twice per pass, and a long history made sorting them the largest
// cost of an evaluation.
func (c *evalContext) latest(k *compiledConcept, w *Span) *facts.Observation {
	var found *facts.Observation
	var future []*facts.Observation
	for _, o := range c.idx.obs[k.slot] {
		switch {
		case o.Effective.After(c.asOf):
			future = append(future, o)
		case found == nil || newer(o, found):
			found = o
		}
	}
	slices.SortFunc(future, byNewest)
	for _, o := range future {
		c.changesAt(o.Effective)
	}
	if found == nil || w == nil {
		return found
	}
	if !found.Effective.After(w.Before(c.asOf)) {
		return nil
	}
	c.changesAt(w.After(found.Effective))
	return found
}

// inWindow lists every usable observation of k in the window w, in no
// order, noting when the list changes with no new data.
func (c *evalContext) inWindow(k *compiledConcept, w *Span) []*facts.Observation {
	var out []*facts.Observation
	for _, o := range c.idx.obs[k.slot] {
		switch {
		case o.Effective.After(c.asOf):
			c.changesAt(o.Effective)
		case w == nil:
			out = append(out, o)
		case o.Effective.After(w.Before(c.asOf)):
			out = append(out, o)
			c.changesAt(w.After(o.Effective))
		}
	}
	return out
}

func (c *evalContext) noResult(k *compiledConcept, w *Span) string {
	return "no " + k.Title + " " + scopeOf(w).upTo(c.asOf)
}

// measure is one value of a concept in its unit: a result, or a value
// derived from others. shown writes it for a reason ("ANC 3.2 10*9/L on
// 2026-10-26"); it is called only when reasons are wanted.
type measure struct {
	v        float64
	at       time.Time
	evidence []string
	shown    func() string
}

// latestMeasure is the latest value of k in the window w: its latest
// result, or for a derived concept the newer of that and the value derived
// from the latest inputs. When there is none, or it cannot be used, it
// records why and ok is false.
func (c *evalContext) latestMeasure(k *compiledConcept, w *Span) (measure, bool) {
	if k.Derive != "" {
		return c.derived(k, w)
	}
	o, v, ok := c.latestQuantity(k, w)
	if !ok {
		return measure{}, false
	}
	return c.measured(k, o, v), true
}

// measured is a result read as a measure.
func (c *evalContext) measured(k *compiledConcept, o *facts.Observation, v float64) measure {
	return measure{v: v, at: o.Effective, evidence: []string{o.Ref}, shown: func() string {
		return k.Title + " " + k.shownValue(v, o.Value.Quantity) + " on " + day(o.Effective)
	}}
}

// latestQuantity reads the latest result of k in w in k's unit. When there
// is none, or it cannot be used, it records why and ok is false.
func (c *evalContext) latestQuantity(k *compiledConcept, w *Span) (o *facts.Observation, v float64, ok bool) {
	o = c.latest(k, w)
	if o == nil {
		c.recordBy(unknown, func() string { return c.noResult(k, w) })
		return nil, 0, false
	}
	v, err := c.quantity(o, k)
	if err != nil {
		c.record(unknown, err.Error(), o.Ref)
		return nil, 0, false
	}
	return o, v, true
}

// quantity reads o's value in k's unit.
func (c *evalContext) quantity(o *facts.Observation, k *compiledConcept) (float64, error) {
	if o.Value.Kind != facts.QuantityValue {
		return 0, fmt.Errorf("%s on %s has no quantity", k.Title, day(o.Effective))
	}
	return k.valueOf(o.Value.Quantity, o.Effective)
}

// limit returns the observation's own reference limit, else the concept's
// default, in k's unit, and whether the default was used.
func (c *evalContext) limit(o *facts.Observation, k *compiledConcept, own *facts.Quantity, def *facts.Quantity) (float64, bool, error) {
	if own != nil {
		q := *own
		if q.Unit == "" {
			q.Unit = o.Value.Quantity.Unit
		}
		v, err := k.valueOf(q, o.Effective)
		return v, false, err
	}
	if def == nil {
		return 0, false, fmt.Errorf("%s on %s has no reference range and the trial gives no default", k.Title, day(o.Effective))
	}
	v, err := k.valueOf(*def, o.Effective)
	return v, true, err
}
