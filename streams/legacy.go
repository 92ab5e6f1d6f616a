package streams

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator"
)

// Records written before records were split (schema 1) are one key per
// patient, named by the patient's "Patient/id", holding facts matched by
// concept name. Their facts cannot be read into today's model (they lack
// the codes), so an upgrade rebuilds every record from the input stream
// (a replay of every trial, catalog.go); the old records' last evaluations
// are taken as the previous ones, so that the upgrade publishes only real
// status changes, and the old keys are removed once every trial is active.

// legacyRecord is what is read of a schema 1 record.
type legacyRecord struct {
	Evaluations map[string]*evaluator.Evaluation `json:"evaluations"`
}

// legacyEvaluations returns a patient's evaluations from a schema 1
// record, as stored evaluations of no current definition; nil when none.
func (w *Worker) legacyEvaluations(ctx context.Context, patient string) map[string]*StoredEvaluation {
	data, rev, err := w.store.get(ctx, patient)
	if err != nil || rev == 0 {
		return nil
	}
	var old legacyRecord
	if err := json.Unmarshal(data, &old); err != nil {
		return nil
	}
	out := map[string]*StoredEvaluation{}
	for id, ev := range old.Evaluations {
		if ev != nil {
			out[id] = &StoredEvaluation{Fingerprint: "schema-1", Evaluation: *ev}
		}
	}
	return out
}

// dropLegacy removes every schema 1 record once the rebuilt records have
// taken their place.
func (w *Worker) dropLegacy(ctx context.Context) {
	keys, err := w.kv.ListKeys(ctx)
	if err != nil {
		w.log.Warn("upgrade: could not list the old records to remove them", zap.Error(err))
		return
	}
	removed := 0
	for k := range keys.Keys() {
		if isLegacyKey(k) && w.kv.Purge(ctx, k) == nil {
			removed++
		}
	}
	w.log.Info("upgrade done: records of the earlier version removed", zap.Int("records", removed))
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
