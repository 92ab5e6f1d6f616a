package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// stateStore reads and writes patient records and the resource index in
// the state bucket. Records it read or wrote last are kept decoded
// (recordCache), checked against the head's revision.
type stateStore struct {
	kv     jetstream.KeyValue
	bucket string
	cache  *recordCache
	// quarantine sets aside the bytes of a record that cannot be read.
	quarantine func(ctx context.Context, key string, rev uint64, data []byte, err error)
}

// errConflict: another writer changed a key since it was read.
var errConflict = errors.New("state changed concurrently")

// load returns a patient's record: from the cache when its head is still
// at the cached revision, else read key by key (new when there is none).
func (s *stateStore) load(ctx context.Context, patient string) (*record, error) {
	key := patientKey(patient)
	data, rev, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if rev == 0 {
		return s.headless(ctx, patient)
	}
	if r := s.cache.take(key, rev); r != nil {
		return r, nil
	}
	r, err := s.read(ctx, patient, key, data, rev)
	var bad *corruptError
	if errors.As(err, &bad) {
		return s.recover(ctx, patient, key, bad)
	}
	return r, err
}

// headless returns the record of a patient without a head: new, or whose
// first writer stopped (or is still going) between its bucket and its
// head. Until its first head is written a record has one bucket (grow
// waits for a head), so bucket 0 holds whatever was written.
func (s *stateStore) headless(ctx context.Context, patient string) (*record, error) {
	r := newRecord(patient)
	var part bucket
	part.Facts = facts.NewPatient(patient)
	rev, err := s.decodeKey(ctx, bucketKey(r.key, 0), &part)
	var bad *corruptError
	switch {
	case errors.As(err, &bad):
		return s.recover(ctx, patient, r.key, bad)
	case err != nil:
		return nil, err
	case rev == 0:
		return r, nil
	}
	r.bucketRevs[0], r.bucketGens[0] = rev, part.Gen
	for _, ref := range part.Facts.Refs() {
		r.bucketRefs[0][ref] = true
	}
	r.facts.Merge(part.Facts)
	r.stale = part.Gen > 0
	return r, nil
}

// get reads one key's bytes and revision; revision 0 when there is none.
func (s *stateStore) get(ctx context.Context, key string) ([]byte, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", key, err)
	}
	return e.Value(), e.Revision(), nil
}

// corruptError is a key of a record that cannot be decoded.
type corruptError struct {
	key  string
	rev  uint64
	data []byte
	err  error
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("record key %s at revision %d cannot be read: %v", e.key, e.rev, e.err)
}

// read decodes a record whose head is data at headRev, and its buckets. A
// bucket whose facts are of another generation than the head saw makes the
// record stale: it is decided again with the next change.
func (s *stateStore) read(ctx context.Context, patient, key string, data []byte, headRev uint64) (*record, error) {
	r := newRecord(patient)
	if err := json.Unmarshal(data, &r.head); err != nil || r.head.Schema != schemaVersion || r.head.Buckets < 1 ||
		r.head.Buckets&(r.head.Buckets-1) != 0 || len(r.head.Gens) != r.head.Buckets {
		if err == nil {
			err = fmt.Errorf("schema %d with %d buckets and %d generations", r.head.Schema, r.head.Buckets, len(r.head.Gens))
		}
		return nil, &corruptError{key, headRev, data, err}
	}
	r.headRev, r.headDirty = headRev, false
	r.head.Patient = patient
	if r.head.Evaluations == nil {
		r.head.Evaluations = map[string]*StoredEvaluation{}
	}
	if err := s.readBuckets(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// readBuckets reads every fact bucket (several at once: a long history has
// many) and merges them into the record's facts. A resource found in a
// bucket it no longer belongs to (the buckets doubled since) is left out:
// its copy in the bucket it belongs to is the current one.
func (s *stateStore) readBuckets(ctx context.Context, r *record) error {
	n := r.head.Buckets
	r.bucketRevs, r.bucketGens, r.bucketRefs = make([]uint64, n), make([]uint64, n), make([]map[string]bool, n)
	parts := make([]bucket, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			parts[i].Facts = facts.NewPatient(r.head.Patient)
			r.bucketRevs[i], errs[i] = s.decodeKey(ctx, bucketKey(r.key, i), &parts[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, part := range parts {
		r.bucketGens[i] = part.Gen
		if part.Gen != r.head.Gens[i] {
			r.stale = true
		}
		var refs []string
		r.bucketRefs[i] = map[string]bool{}
		for _, ref := range part.Facts.Refs() {
			if bucketOf(ref, n) == i {
				r.bucketRefs[i][ref] = true
				refs = append(refs, ref)
			}
		}
		r.facts.Merge(part.Facts.Part(refs))
	}
	return nil
}

// decodeKey reads and decodes one key into v; revision 0 when it is absent.
func (s *stateStore) decodeKey(ctx context.Context, key string, v any) (uint64, error) {
	data, rev, err := s.get(ctx, key)
	if err != nil || rev == 0 {
		return 0, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return 0, &corruptError{key, rev, data, err}
	}
	return rev, nil
}

// recover sets aside a record that cannot be read: its bytes go to the
// rejected stream with the reason, and the patient starts again from an
// empty record (written over the old keys), which the input still in the
// stream rebuilds as far as it goes. A record that cannot be read is never
// retried forever.
func (s *stateStore) recover(ctx context.Context, patient, key string, bad *corruptError) (*record, error) {
	if s.quarantine != nil {
		s.quarantine(ctx, bad.key, bad.rev, bad.data, bad.err)
	}
	r := newRecord(patient)
	_, r.headRev, _ = s.get(ctx, key)
	r.stale = true
	return r, nil
}

// commit writes a record: its changed buckets, then its head when it
// changed. On a conflict (or any failure) the record is not cached, since
// what the bucket holds is then unknown; the keys written so far are
// consistent on their own (see record.go), and the caller reads again.
func (s *stateStore) commit(ctx context.Context, r *record) error {
	if err := s.commitBuckets(ctx, r); err != nil {
		s.cache.drop(r.key)
		return err
	}
	if !r.headDirty {
		return nil
	}
	r.head.NextCheck = nil
	if due := r.due(); !due.IsZero() {
		r.head.NextCheck = &due
	}
	r.head.Gens = append(r.head.Gens[:0], r.bucketGens...)
	rev, err := s.put(ctx, r.key, r.head, r.headRev)
	if err != nil {
		s.cache.drop(r.key)
		return err
	}
	r.headRev, r.headDirty, r.stale, r.growFrom = rev, false, false, 0
	return nil
}

func (s *stateStore) commitBuckets(ctx context.Context, r *record) error {
	for _, i := range r.dirtyBuckets() {
		key := bucketKey(r.key, i)
		if r.bucketRevs[i] == 0 && r.growFrom > 0 && i >= r.growFrom {
			// A bucket the growth adds may exist already, left by a writer
			// that stopped before its head: its content is in the old
			// buckets, just written whole, so it is written over.
			_, rev, err := s.get(ctx, key)
			if err != nil {
				return err
			}
			r.bucketRevs[i] = rev
		}
		gen := r.bucketGens[i]
		if r.factDirty[i] {
			gen++
		}
		rev, err := s.put(ctx, key, bucket{Gen: gen, Facts: r.part(i)}, r.bucketRevs[i])
		if err != nil {
			return err
		}
		r.bucketRevs[i], r.bucketGens[i] = rev, gen
		delete(r.dirty, i)
		delete(r.factDirty, i)
	}
	return nil
}

// put writes one key if it is still at rev (0: it must not exist), and
// returns its new revision, or errConflict.
func (s *stateStore) put(ctx context.Context, key string, v any, rev uint64) (uint64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode %s: %w", key, err)
	}
	if rev == 0 {
		rev, err = s.kv.Create(ctx, key, data)
	} else {
		rev, err = s.kv.Update(ctx, key, data, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errConflict
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", key, err)
	}
	return rev, nil
}

// release hands back records the caller is done with, at the revisions
// they hold (read, or written by commit), for the next load.
func (s *stateStore) release(recs ...*record) {
	for _, r := range recs {
		if r != nil && r.headRev != 0 && !r.changed() && !r.stale {
			s.cache.put(r)
		}
	}
}

// indexEntry says which patient holds a resource ("" for none).
type indexEntry struct {
	Patient string `json:"patient"`
}

// holder reads a resource's index entry: the patient holding it ("" for
// none), and the entry's revision (0 when there is none).
func (s *stateStore) holder(ctx context.Context, ref string) (string, uint64, error) {
	data, rev, err := s.get(ctx, resourceKey(ref))
	if err != nil || rev == 0 {
		return "", rev, err
	}
	var e indexEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return "", rev, nil // unreadable: written over with what is true now
	}
	return e.Patient, rev, nil
}

// setHolder writes a resource's index entry if it is still at rev.
func (s *stateStore) setHolder(ctx context.Context, ref, patient string, rev uint64) error {
	_, err := s.put(ctx, resourceKey(ref), indexEntry{Patient: patient}, rev)
	return err
}
