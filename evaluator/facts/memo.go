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

	medKnown bool
	medFirst time.Time
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
