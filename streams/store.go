package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// stateStore reads and writes patient records and the resource index in
// the state bucket. Records it wrote or read last are kept decoded
// (recordCache), checked against the head's revision.
type stateStore struct {
	kv     jetstream.KeyValue
	nc     *nats.Conn
	bucket string
	cache  *recordCache
	// quarantine sets aside the bytes of a record that cannot be read.
	quarantine func(ctx context.Context, key string, rev uint64, data []byte, err error)
}

// errRecordMoved: the record changed while it was being read.
var errRecordMoved = errors.New("record changed while read")

// maxLoadAttempts bounds how often a record that keeps changing while it
// is read is read again.
const maxLoadAttempts = 8

// load returns a patient's record: from the cache when its head is still
// at the cached revision, else read key by key (new when there is none).
func (s *stateStore) load(ctx context.Context, patient string) (*record, error) {
	key := patientKey(patient)
	for range maxLoadAttempts {
		data, rev, err := s.get(ctx, key)
		if err != nil || rev == 0 {
			return newRecord(patient), err
		}
		if r := s.cache.take(key, rev); r != nil {
			return r, nil
		}
		r, err := s.read(ctx, patient, key, data, rev)
		if errors.Is(err, errRecordMoved) {
			continue
		}
		var bad *corruptError
		if errors.As(err, &bad) {
			return s.recover(ctx, patient, key, bad)
		}
		return r, err
	}
	return nil, fmt.Errorf("load %s: %w %d times in a row", key, errRecordMoved, maxLoadAttempts)
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

// read decodes a record whose head is data at headRev: its evaluations,
// outbox and fact buckets, then the head again, which must not have moved.
func (s *stateStore) read(ctx context.Context, patient, key string, data []byte, headRev uint64) (*record, error) {
	r := newRecord(patient)
	if err := json.Unmarshal(data, &r.head); err != nil || r.head.Schema != schemaVersion || r.head.Buckets < 1 || r.head.Buckets&(r.head.Buckets-1) != 0 {
		if err == nil {
			err = fmt.Errorf("schema %d with %d buckets", r.head.Schema, r.head.Buckets)
		}
		return nil, &corruptError{key, headRev, data, err}
	}
	r.headRev = headRev
	r.head.Patient = patient
	var err error
	if r.evalsRev, err = s.decodeKey(ctx, evalsKey(key), &r.evals); err != nil {
		return nil, err
	}
	if r.evals == nil {
		r.evals = map[string]*StoredEvaluation{}
	}
	// The outbox key exists (empty) once any event was written: its
	// revision is needed to write it again.
	if r.outboxRev, err = s.decodeKey(ctx, outboxKey(key), &r.outbox); err != nil {
		return nil, err
	}
	if err := s.readBuckets(ctx, r); err != nil {
		return nil, err
	}
	if _, again, err := s.get(ctx, key); err != nil {
		return nil, err
	} else if again != headRev {
		return nil, errRecordMoved
	}
	return r, nil
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

// readBuckets reads every fact bucket (several at once: a long history has
// many) and merges them into the record's facts.
func (s *stateStore) readBuckets(ctx context.Context, r *record) error {
	n := r.head.Buckets
	r.bucketRevs = make([]uint64, n)
	r.bucketRefs = make([]map[string]bool, n)
	parts := make([]*facts.Patient, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			part := facts.NewPatient(r.head.Patient)
			r.bucketRevs[i], errs[i] = s.decodeKey(ctx, bucketKey(r.key, i), part)
			parts[i] = part
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, part := range parts {
		r.bucketRefs[i] = map[string]bool{}
		for _, ref := range part.Refs() {
			r.bucketRefs[i][ref] = true
		}
		r.facts.Merge(part)
	}
	return nil
}

// recover sets aside a record that cannot be read: its keys' bytes go to
// the rejected stream with the reason, and the patient starts again from
// an empty record (written over the old keys), which the input still in
// the stream rebuilds as far as it goes. A record that cannot be read is
// never retried forever.
func (s *stateStore) recover(ctx context.Context, patient, key string, bad *corruptError) (*record, error) {
	if s.quarantine != nil {
		s.quarantine(ctx, bad.key, bad.rev, bad.data, bad.err)
	}
	keys, err := s.kv.ListKeysFiltered(ctx, key, key+".>")
	if err != nil {
		return nil, fmt.Errorf("recover %s: %w", key, err)
	}
	revs := map[string]uint64{}
	for k := range keys.Keys() {
		if e, err := s.kv.Get(ctx, k); err == nil {
			revs[k] = e.Revision()
		}
	}
	r := newRecord(patient)
	for n := 1; ; n *= 2 {
		if _, more := revs[bucketKey(key, n)]; !more && n >= r.head.Buckets {
			break
		}
		r.head.Buckets = 2 * n
	}
	r.bucketRevs = make([]uint64, r.head.Buckets)
	r.bucketRefs = make([]map[string]bool, r.head.Buckets)
	for i := range r.head.Buckets {
		r.bucketRevs[i], r.bucketRefs[i], r.dirty[i] = revs[bucketKey(key, i)], map[string]bool{}, true
	}
	r.headRev, r.evalsRev, r.outboxRev = revs[key], revs[evalsKey(key)], revs[outboxKey(key)]
	r.evalsDirty, r.outboxDirty = true, true
	return r, nil
}

// writes lists the keys a changed record writes: its head always, and
// whatever else changed.
func (r *record) writes() ([]kvWrite, error) {
	r.head.Outbox = len(r.outbox)
	r.head.NextCheck = nil
	if due := r.due(); !due.IsZero() {
		r.head.NextCheck = &due
	}
	var out []kvWrite
	add := func(key string, v any, rev uint64) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		out = append(out, kvWrite{key, data, rev})
		return nil
	}
	if err := add(r.key, r.head, r.headRev); err != nil {
		return nil, err
	}
	for i := range r.head.Buckets {
		if !r.dirty[i] {
			continue
		}
		refs := make([]string, 0, len(r.bucketRefs[i]))
		for ref := range r.bucketRefs[i] {
			refs = append(refs, ref)
		}
		if err := add(bucketKey(r.key, i), r.facts.Part(refs), r.bucketRevs[i]); err != nil {
			return nil, err
		}
	}
	if r.evalsDirty {
		if err := add(evalsKey(r.key), r.evals, r.evalsRev); err != nil {
			return nil, err
		}
	}
	if r.outboxDirty {
		box := r.outbox
		if box == nil {
			box = []Event{}
		}
		if err := add(outboxKey(r.key), box, r.outboxRev); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// written takes the revisions a commit gave the record's writes (in the
// order writes listed them) and marks the record clean.
func (r *record) written(revs []uint64) {
	next := func() uint64 { v := revs[0]; revs = revs[1:]; return v }
	r.headRev = next()
	for i := range r.head.Buckets {
		if r.dirty[i] {
			r.bucketRevs[i] = next()
		}
	}
	if r.evalsDirty {
		r.evalsRev = next()
	}
	if r.outboxDirty {
		r.outboxRev = next()
	}
	r.dirty, r.evalsDirty, r.outboxDirty = map[int]bool{}, false, false
}

// commit writes records and index entries in one atomic batch. On success
// each record is clean at its new revisions (the caller releases it to the
// cache when done with it); on any failure none stays cached, since what
// the bucket holds is then unknown.
func (s *stateStore) commit(ctx context.Context, recs []*record, extra []kvWrite) error {
	var all []kvWrite
	counts := make([]int, len(recs))
	for i, r := range recs {
		w, err := r.writes()
		if err != nil {
			return err
		}
		counts[i] = len(w)
		all = append(all, w...)
	}
	all = append(all, extra...)
	revs, err := commitBatch(ctx, s.nc, s.bucket, all)
	if err != nil {
		for _, r := range recs {
			s.cache.drop(r.key)
		}
		return err
	}
	for i, r := range recs {
		r.written(revs[:counts[i]])
		revs = revs[counts[i]:]
	}
	return nil
}

// release hands back a record the caller is done with, at the revisions it
// holds (read, or written by commit), for the next load.
func (s *stateStore) release(recs ...*record) {
	for _, r := range recs {
		if r.headRev != 0 && !r.changed() {
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

func indexWrite(ref, patient string, rev uint64) kvWrite {
	data, _ := json.Marshal(indexEntry{Patient: patient})
	return kvWrite{key: resourceKey(ref), value: data, rev: rev}
}
