package streams

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// schedule knows when each patient's evaluation next changes with no new
// data (the earliest valid_until of its trials). It holds at most one entry
// per patient: a new due time moves the patient's entry in the heap rather
// than adding another, so its size is the number of patients with something
// due, however often their records are written.
type schedule struct {
	mu   sync.Mutex
	due  map[string]*dueEntry
	heap dueHeap
}

type dueEntry struct {
	patient string
	at      time.Time
	index   int // position in the heap
}

type dueHeap []*dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*dueEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

func newSchedule() *schedule { return &schedule{due: map[string]*dueEntry{}} }

// set records a patient's next due time, replacing the one before; zero
// removes it.
func (s *schedule) set(patient string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.due[patient]
	switch {
	case at.IsZero() && ok:
		heap.Remove(&s.heap, e.index)
		delete(s.due, patient)
	case at.IsZero():
	case ok:
		e.at = at
		heap.Fix(&s.heap, e.index)
	default:
		e = &dueEntry{patient: patient, at: at}
		heap.Push(&s.heap, e)
		s.due[patient] = e
	}
}

// len is the number of patients with a due time.
func (s *schedule) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.due)
}

// entries is the number of entries the heap holds (len, unless broken).
func (s *schedule) entries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heap.Len()
}

// popDue removes and returns the patients due at or before now, with their
// due times.
func (s *schedule) popDue(now time.Time) []dueEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dueEntry
	for s.heap.Len() > 0 && !s.heap[0].at.After(now) {
		e := heap.Pop(&s.heap).(*dueEntry)
		delete(s.due, e.patient)
		out = append(out, dueEntry{patient: e.patient, at: e.at})
	}
	return out
}

// watchSchedule follows every write of a record's head to the state
// bucket, this worker's and the others', keeps the record cache fresh
// (cache.go), and keeps the schedule of time-driven re-evaluations: any worker then re-evaluates any patient when
// due, and a worker that stops takes nobody's schedule with it. It returns
// once the records already in the bucket are scheduled; the watch goes on
// until ctx ends.
func (w *Worker) watchSchedule(ctx context.Context, kv jetstream.KeyValue) error {
	watcher, err := kv.WatchFiltered(ctx, []string{patientPrefix + "*", hashedPrefix + "*"})
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.cfg.StateBucket, err)
	}
	loaded := make(chan struct{})
	go func() {
		defer watcher.Stop() //nolint:errcheck // ends with ctx anyway
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-watcher.Updates():
				switch {
				case !ok:
					return
				case e == nil: // the records present at the start are all in
					close(loaded)
				default:
					select {
					case <-loaded:
						w.scheduleEntry(e, false)
					default:
						w.scheduleEntry(e, true)
					}
				}
			}
		}
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// scheduleEntry takes one head the watch shows: its next check, and, for
// the records present when the worker started (atStart), whether events
// were left in its outbox.
func (w *Worker) scheduleEntry(e jetstream.KeyValueEntry, atStart bool) {
	w.store.cache.saw(e.Key(), e.Revision())
	if e.Operation() != jetstream.KeyValuePut {
		return // a head is removed only by hand; its next check then finds nothing
	}
	h, err := readHead(e.Value())
	if err != nil {
		w.log.Warn("unreadable record in the state bucket", zap.String("patient_key", e.Key()), zap.Uint64("revision", e.Revision()), zap.Error(err))
		return
	}
	var at time.Time
	if h.NextCheck != nil {
		at = *h.NextCheck
	}
	w.due.set(h.Patient, at)
	if atStart && len(h.Outbox) > 0 {
		w.left.add(h.Patient)
	}
}

// nextCheck reads a record head's patient and next check.
func nextCheck(data []byte) (string, time.Time, error) {
	h, err := readHead(data)
	if err != nil {
		return "", time.Time{}, err
	}
	if h.NextCheck == nil {
		return h.Patient, time.Time{}, nil
	}
	return h.Patient, *h.NextCheck, nil
}

// readHead decodes a record head that names its patient.
func readHead(data []byte) (*head, error) {
	var h head
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("record head: %w", err)
	}
	if h.Patient == "" {
		return nil, fmt.Errorf("record head names no patient")
	}
	return &h, nil
}

// CheckDue re-evaluates every patient whose valid_until has passed, with no
// new data, and publishes the changes with cause "time". Run calls it every
// TickInterval; tests call it after moving their clock.
func (w *Worker) CheckDue(ctx context.Context) {
	for _, e := range w.due.popDue(w.now()) {
		if err := w.reevaluate(ctx, e.patient, e.at); err != nil {
			w.log.Warn("time-driven re-evaluation failed; will retry", zap.String("patient_key", patientKey(e.patient)), zap.Error(err))
			w.due.set(e.patient, e.at)
		}
	}
}

func (w *Worker) reevaluate(ctx context.Context, patient string, due time.Time) error {
	trigger := "time:" + due.UTC().Format(time.RFC3339Nano)
	for range maxConflicts {
		rec, err := w.store.load(ctx, patient)
		if err != nil {
			return err
		}
		if rec.headRev == 0 {
			return nil // removed meanwhile
		}
		w.decide(rec, trigger, "time")
		w.tidy(rec)
		err = w.store.commit(ctx, rec)
		if errors.Is(err, errConflict) {
			w.metrics.conflicts.Inc()
			continue
		}
		if err != nil {
			return err
		}
		w.due.set(patient, rec.due())
		err = w.publishOutboxes(ctx, [][]*record{{rec}})[0]
		w.store.release(rec)
		return err
	}
	return fmt.Errorf("%s: %d concurrent updates in a row", patientKey(patient), maxConflicts)
}
