package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// State is one patient's record in the state bucket.
type State struct {
	// NextCheck is Due() as of the last write, first in the record so that
	// every worker's schedule can read it from a watch of the bucket
	// without decoding the rest (see nextCheck).
	NextCheck *time.Time     `json:"next_check"`
	Facts     *facts.Patient `json:"facts"`
	// Evaluations holds each trial's last evaluation, by trial id.
	Evaluations map[string]*evaluator.Evaluation `json:"evaluations"`
	// Outbox holds events written with the state and not yet known to be
	// published.
	Outbox []Event `json:"outbox,omitempty"`
}

func newState(patient string) *State {
	return &State{Facts: facts.NewPatient(patient), Evaluations: map[string]*evaluator.Evaluation{}}
}

// Due is the earliest valid_until of the state's evaluations; zero if none.
func (s *State) Due() time.Time {
	var due time.Time
	for _, ev := range s.Evaluations {
		if ev.ValidUntil != nil && (due.IsZero() || ev.ValidUntil.Before(due)) {
			due = *ev.ValidUntil
		}
	}
	return due
}

// errConflict: another writer changed the record since it was read.
var errConflict = errors.New("state changed concurrently")

// StateStore keeps patient records with compare-and-set on a revision.
type StateStore interface {
	// Load returns the record and its revision; a new record and 0 when
	// there is none.
	Load(ctx context.Context, patient string) (*State, uint64, error)
	// Save writes the record if its revision is still rev (0: it must not
	// exist yet) and returns the new revision, or errConflict.
	Save(ctx context.Context, patient string, s *State, rev uint64) (uint64, error)
	// Unchanged hands back a record read at rev that the caller did not
	// change, so that the next Load need not decode it again.
	Unchanged(patient string, s *State, rev uint64)
}

// kvStore is the StateStore on a JetStream KV bucket.
type kvStore struct{ kv jetstream.KeyValue }

var _ StateStore = kvStore{}

// key turns "Patient/123" into a KV key: FHIR ids ([A-Za-z0-9-.]) and "/"
// are all valid key characters.
func key(patient string) string { return patient }

func (s kvStore) Load(ctx context.Context, patient string) (*State, uint64, error) {
	data, rev, err := s.raw(ctx, patient)
	if err != nil || rev == 0 {
		return newState(patient), 0, err
	}
	st, err := s.decode(patient, data, rev)
	return st, rev, err
}

// raw reads a record's bytes and revision; revision 0 when there is none.
func (s kvStore) raw(ctx context.Context, patient string) ([]byte, uint64, error) {
	e, err := s.kv.Get(ctx, key(patient))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load %s: %w", patient, err)
	}
	return e.Value(), e.Revision(), nil
}

func (s kvStore) decode(patient string, data []byte, rev uint64) (*State, error) {
	st := &State{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("load %s: corrupt record at revision %d: %w", patient, rev, err)
	}
	if st.Facts == nil {
		st.Facts = facts.NewPatient(patient)
	}
	if st.Evaluations == nil {
		st.Evaluations = map[string]*evaluator.Evaluation{}
	}
	return st, nil
}

func (s kvStore) Save(ctx context.Context, patient string, st *State, rev uint64) (uint64, error) {
	st.NextCheck = nil
	if due := st.Due(); !due.IsZero() {
		st.NextCheck = &due
	}
	data, err := json.Marshal(st)
	if err != nil {
		return 0, fmt.Errorf("save %s: %w", patient, err)
	}
	var newRev uint64
	if rev == 0 {
		newRev, err = s.kv.Create(ctx, key(patient), data)
	} else {
		newRev, err = s.kv.Update(ctx, key(patient), data, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errConflict
	}
	if err != nil {
		return 0, fmt.Errorf("save %s: %w", patient, err)
	}
	return newRev, nil
}

func (kvStore) Unchanged(string, *State, uint64) {}

// ReadState returns a patient's stored record, for explaining it; found is
// false when the worker has no record of the patient.
func ReadState(ctx context.Context, js jetstream.JetStream, cfg Config, patient string) (st *State, found bool, err error) {
	cfg = cfg.withDefaults()
	kv, err := js.KeyValue(ctx, cfg.StateBucket)
	if err != nil {
		return nil, false, fmt.Errorf("state bucket %s: %w (has the worker run against this server?)", cfg.StateBucket, err)
	}
	st, rev, err := kvStore{kv}.Load(ctx, patient)
	return st, rev != 0, err
}
