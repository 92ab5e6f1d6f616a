package facts

import (
	"sync"
	"time"
)

// memo keeps what evaluations work out from a patient's facts and need not
// work out again until those facts change: each trial's reading of each
// fact (which of its concepts the codes mean), and the earliest start of
// any medication. Without it, every evaluation would cost in proportion to
// the patient's whole history rather than to what changed.
type memo struct {
	mu sync.Mutex
	by map[any]map[string]any // owner → ref → value
	// derived holds what owners work out from the whole store, with the
	// facts changed since (TakeDerived).
	derived map[any]*derived

	medKnown bool
	medFirst time.Time

	// oldest is the earliest effective time of an observation or entry
	// (zero: none), when known: pruning at a horizon not past it has
	// nothing to do and need not walk the store.
	oldestKnown bool
	oldest      time.Time
}

// noteEffective keeps oldest current when an observation or entry with
// effective time t is added.
func (m *memo) noteEffective(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.oldestKnown && !t.IsZero() && (m.oldest.IsZero() || t.Before(m.oldest)) {
		m.oldest = t
	}
}

// nothingBefore reports whether the store is known to hold no observation
// or entry effective before horizon.
func (m *memo) nothingBefore(horizon time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.oldestKnown && (m.oldest.IsZero() || !m.oldest.Before(horizon))
}

func (m *memo) setOldest(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.oldest, m.oldestKnown = t, true
}

// Memo returns what compute gives for the fact ref as seen by owner (a
// compiled trial, say), computing it once until the fact changes. It is
// safe for concurrent use by evaluations of one patient.
func (p *Patient) Memo(owner any, ref string, compute func() any) any {
	p.memo.mu.Lock()
	defer p.memo.mu.Unlock()
	if p.memo.by == nil {
		p.memo.by = map[any]map[string]any{}
	}
	m := p.memo.by[owner]
	if m == nil {
		m = map[string]any{}
		p.memo.by[owner] = m
	}
	v, ok := m[ref]
	if !ok {
		v = compute()
		m[ref] = v
	}
	return v
}

func (m *memo) forget(ref string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, byRef := range m.by {
		delete(byRef, ref)
	}
	for _, d := range m.derived {
		d.note(ref)
	}
}

// medChanged keeps the earliest medication start current when one entry's
// start goes from prev to next (zero: none). Only losing the earliest one
// needs a new scan.
func (m *memo) medChanged(prev, next time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.medKnown {
		return
	}
	if !prev.IsZero() && !prev.After(m.medFirst) {
		m.medKnown = false
		return
	}
	if !next.IsZero() && (m.medFirst.IsZero() || next.Before(m.medFirst)) {
		m.medFirst = next
	}
}

func (m *memo) firstMed(entries map[string]Entry) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.medKnown {
		m.medFirst = time.Time{}
		for _, e := range entries {
			if !e.MedStart.IsZero() && (m.medFirst.IsZero() || e.MedStart.Before(m.medFirst)) {
				m.medFirst = e.MedStart
			}
		}
		m.medKnown = true
	}
	return m.medFirst
}

// derived is one owner's state worked out from the whole store: its value
// (nil while a caller holds it, or once dropped) and the references of the
// facts stored or removed since it was handed out.
type derived struct {
	value   any
	changed map[string]struct{}
}

// maxChanged bounds the changes noted for one derived value: past it, the
// value is dropped and its owner works it out anew, which is then cheaper
// than catching up, and a store that changes but is never evaluated does
// not grow the list without end.
const maxChanged = 4096

func (d *derived) note(ref string) {
	if len(d.changed) >= maxChanged {
		d.value, d.changed = nil, nil
	}
	if d.value == nil {
		return // worked out anew from the whole store when next asked for
	}
	if d.changed == nil {
		d.changed = map[string]struct{}{}
	}
	d.changed[ref] = struct{}{}
}

// TakeDerived hands owner (a compiled trial, say) the value it last left
// with PutDerived, and the references of the facts stored or removed since,
// in no order. ok is false when there is none to hand (never left, dropped
// after too many changes, or held by a concurrent caller): the owner then
// works it out from the whole store. The value is the caller's until it
// puts it back; as with reading the store, changing the store meanwhile is
// not allowed.
//
// This lets an owner keep, say, an index of a long history and bring it up
// to date with what changed, instead of building it from every fact on
// every evaluation.
func (p *Patient) TakeDerived(owner any) (v any, changed []string, ok bool) {
	p.memo.mu.Lock()
	defer p.memo.mu.Unlock()
	d := p.memo.derived[owner]
	if d == nil || d.value == nil {
		return nil, nil, false
	}
	v, d.value = d.value, nil
	changed = make([]string, 0, len(d.changed))
	for ref := range d.changed {
		changed = append(changed, ref)
	}
	d.changed = nil
	return v, changed, true
}

// PutDerived leaves v, which reflects the store as it is, for owner's next
// TakeDerived.
func (p *Patient) PutDerived(owner any, v any) {
	p.memo.mu.Lock()
	defer p.memo.mu.Unlock()
	if p.memo.derived == nil {
		p.memo.derived = map[any]*derived{}
	}
	d := p.memo.derived[owner]
	if d == nil {
		d = &derived{}
		p.memo.derived[owner] = d
	}
	d.value, d.changed = v, nil
}
