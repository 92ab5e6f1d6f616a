package streams

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// State is a patient's stored record as commands and tools read it.
type State struct {
	Patient string
	Facts   *facts.Patient
	// Evaluations holds each trial's last evaluation, by trial id.
	Evaluations map[string]*StoredEvaluation
	// Outbox holds events written and not yet known to be published.
	Outbox    []Event
	NextCheck *time.Time
}

func stateOf(r *record) *State {
	return &State{Patient: r.head.Patient, Facts: r.facts, Evaluations: r.head.Evaluations, Outbox: r.head.Outbox, NextCheck: r.head.NextCheck}
}

// reader opens the state bucket for reading.
func reader(ctx context.Context, js jetstream.JetStream, cfg Config) (*stateStore, error) {
	cfg = cfg.withDefaults()
	kv, err := js.KeyValue(ctx, cfg.StateBucket)
	if err != nil {
		return nil, fmt.Errorf("state bucket %s: %w (has the worker run against this server?)", cfg.StateBucket, err)
	}
	return &stateStore{kv: kv, bucket: cfg.StateBucket, cache: newRecordCache(1)}, nil
}

// ReadState returns a patient's stored record; found is false when the
// worker has no record of the patient.
func ReadState(ctx context.Context, js jetstream.JetStream, cfg Config, patient string) (st *State, found bool, err error) {
	s, err := reader(ctx, js, cfg)
	if err != nil {
		return nil, false, err
	}
	r, err := s.load(ctx, patient)
	if err != nil {
		return nil, false, err
	}
	return stateOf(r), r.headRev != 0, nil
}

// ReadStates calls fn with every stored record, in no order; it stops at
// fn's first error.
func ReadStates(ctx context.Context, js jetstream.JetStream, cfg Config, fn func(*State) error) error {
	s, err := reader(ctx, js, cfg)
	if err != nil {
		return err
	}
	keys, err := s.kv.ListKeysFiltered(ctx, patientPrefix+"*", hashedPrefix+"*")
	if err != nil {
		return fmt.Errorf("list records: %w", err)
	}
	defer keys.Stop() //nolint:errcheck // only stops the listing
	for k := range keys.Keys() {
		data, rev, err := s.get(ctx, k)
		if err != nil {
			return err
		}
		if rev == 0 {
			continue // removed since listed
		}
		patient, _, err := nextCheck(data)
		if err != nil {
			return fmt.Errorf("record %s: %w", k, err)
		}
		r, err := s.load(ctx, patient)
		if err != nil {
			return err
		}
		if err := fn(stateOf(r)); err != nil {
			return err
		}
	}
	return nil
}
