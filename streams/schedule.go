package streams

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
)

// schedule knows when each patient's evaluation next changes with no new
// data (the earliest valid_until of its trials).
type schedule struct {
	mu   sync.Mutex
	due  map[string]time.Time
	heap dueHeap
}

type dueEntry struct {
	patient string
	at      time.Time
}

type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newSchedule() *schedule { return &schedule{due: map[string]time.Time{}} }

// set records a patient's next due time; zero removes it. Stale heap
// entries are skipped when popped.
func (s *schedule) set(patient string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at.IsZero() {
		delete(s.due, patient)
		return
	}
	s.due[patient] = at
	heap.Push(&s.heap, dueEntry{patient, at})
}

// popDue returns the patients due at or before now with their due times.
func (s *schedule) popDue(now time.Time) []dueEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dueEntry
	for s.heap.Len() > 0 && !s.heap[0].at.After(now) {
		e := heap.Pop(&s.heap).(dueEntry)
		if cur, ok := s.due[e.patient]; ok && cur.Equal(e.at) {
			delete(s.due, e.patient)
			out = append(out, e)
		}
	}
	return out
}

func (w *Worker) loadSchedule(ctx context.Context) error {
	keys, err := w.store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("list state: %w", err)
	}
	for _, k := range keys {
		st, _, err := w.store.Load(ctx, k)
		if err != nil {
			return err
		}
		w.due.set(k, st.Due())
	}
	return nil
}

// CheckDue re-evaluates every patient whose valid_until has passed, with no
// new data, and publishes the changes with cause "time". Run calls it every
// TickInterval; tests call it after moving their clock.
func (w *Worker) CheckDue(ctx context.Context) {
	for _, e := range w.due.popDue(w.now()) {
		if err := w.reevaluate(ctx, e.patient, e.at); err != nil {
			w.log.Warn("time-driven re-evaluation failed; will retry", zap.String("patient_key", e.patient), zap.Error(err))
			w.due.set(e.patient, e.at)
		}
	}
}

func (w *Worker) reevaluate(ctx context.Context, patient string, due time.Time) error {
	trigger := "time:" + due.UTC().Format(time.RFC3339Nano)
	for range maxConflicts {
		st, rev, err := w.store.Load(ctx, patient)
		if err != nil {
			return err
		}
		w.evaluate(st, trigger, "time")
		done, err := w.commit(ctx, patient, st, rev)
		if done || err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: %d concurrent updates in a row", patient, maxConflicts)
}
