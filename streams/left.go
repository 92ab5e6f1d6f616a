package streams

import (
	"context"
	"sync"

	"go.uber.org/zap"
)

// leftOutboxes are the patients whose records held events in their outbox
// when the worker started: a worker stopped after writing them, maybe
// after publishing them, before it (or the next write of the record) left
// them out. The events were acknowledged input's, so no redelivery brings
// the record back; the next message of the patient would publish them
// again, perhaps long after the event stream's duplicate window. So a
// starting worker publishes them at once (the stream drops those already
// published, under the same ids) and leaves them out of the record.
type leftOutboxes struct {
	mu       sync.Mutex
	patients []string
}

func (l *leftOutboxes) add(patient string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.patients = append(l.patients, patient)
}

func (l *leftOutboxes) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.patients
	l.patients = nil
	return out
}

// sendLeftOutboxes publishes the events left in records at the start (see
// leftOutboxes) and writes their heads without them. A record another
// worker changes meanwhile is that worker's to finish.
func (w *Worker) sendLeftOutboxes(ctx context.Context) {
	patients := w.left.take()
	if len(patients) == 0 {
		return
	}
	sent := 0
	for _, patient := range patients {
		rec, err := w.store.load(ctx, patient)
		if err != nil {
			w.log.Warn("could not read a record with events left in its outbox; its next message publishes them",
				zap.String("patient_key", patientKey(patient)), zap.Error(err))
			continue
		}
		if len(rec.head.Outbox) > 0 {
			if errs := w.publishOutboxes(ctx, [][]*record{{rec}}); errs[0] != nil {
				w.log.Warn("could not publish events left in an outbox; its next message publishes them",
					zap.String("patient_key", rec.key), zap.Error(errs[0]))
			} else {
				sent++
			}
		}
		w.store.release(rec)
	}
	w.flushClears(ctx, true)
	w.log.Info("published the events left in records' outboxes", zap.Int("records", sent))
}
