package streams

import (
	"hash/fnv"
	"strconv"
	"time"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// A patient's record is split over several keys of the state bucket, so
// that what changes per event is written per event and a long history is
// not (README, "What a record keeps"):
//
//	p.<id>           head: schema, identity, next check, the layout of the rest
//	p.<id>.f.<n>     facts, in buckets by a hash of the resource: the ones a
//	                 message touches are written, not the whole history
//	p.<id>.e         the last evaluation of each trial
//	p.<id>.o         the outbox: events written and not yet known published
//
// Every change of a record writes its head, in one atomic batch with the
// other keys it changes, each compare-and-set on its revision; so a head
// read twice at one revision proves the keys read between belong together.
const (
	schemaVersion = 2
	// bucketTarget is how many resources a fact bucket holds on average
	// before the buckets double: a message writes one bucket of about this
	// size, whatever the patient's history.
	bucketTarget = 64
)

// head is the first key of a record: small, and read on every message.
type head struct {
	// NextCheck is the earliest valid_until of the record's evaluations;
	// first, so that the schedule reads it without decoding the rest.
	NextCheck *time.Time `json:"next_check"`
	Schema    int        `json:"schema"`
	Patient   string     `json:"patient"`
	// Buckets is how many fact buckets there are (a power of two).
	Buckets int `json:"buckets"`
	// Outbox is how many events the outbox holds.
	Outbox int `json:"outbox,omitempty"`
}

// StoredEvaluation is a trial's last evaluation of a patient, with the
// fingerprint of the trial definition that made it: an evaluation by
// another definition of the trial is not this trial's.
type StoredEvaluation struct {
	Fingerprint string               `json:"fingerprint"`
	Evaluation  evaluator.Evaluation `json:"evaluation"`
}

// record is one patient's state, decoded, with the revisions it was read
// at. The worker changes it in place and writes the keys it changed.
type record struct {
	key     string // the head's key; the others extend it
	head    head
	headRev uint64 // 0: the record does not exist yet

	facts *facts.Patient
	// bucketRevs and bucketRefs are, per bucket, its revision and the
	// resources in it; dirty marks the buckets to write.
	bucketRevs []uint64
	bucketRefs []map[string]bool
	dirty      map[int]bool

	evals      map[string]*StoredEvaluation
	evalsRev   uint64
	evalsDirty bool

	outbox      []Event
	outboxRev   uint64
	outboxDirty bool
}

func newRecord(patient string) *record {
	r := &record{key: patientKey(patient), head: head{Schema: schemaVersion, Patient: patient, Buckets: 1},
		facts: facts.NewPatient(patient), evals: map[string]*StoredEvaluation{}, dirty: map[int]bool{}}
	r.bucketRevs = make([]uint64, 1)
	r.bucketRefs = []map[string]bool{{}}
	return r
}

func bucketKey(key string, i int) string { return key + ".f." + strconv.Itoa(i) }
func evalsKey(key string) string         { return key + ".e" }
func outboxKey(key string) string        { return key + ".o" }

// bucketOf is the bucket of a resource among n (a power of two): doubling n
// splits each bucket in two.
func bucketOf(ref string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(ref))
	return int(h.Sum64() & uint64(n-1))
}

// touched notes that a resource's entry or fact changed (or went): its
// bucket is written with the record.
func (r *record) touched(ref string) {
	i := bucketOf(ref, r.head.Buckets)
	r.dirty[i] = true
	if _, ok := r.facts.Entries[ref]; ok {
		r.bucketRefs[i][ref] = true
	} else {
		delete(r.bucketRefs[i], ref)
	}
}

// grow doubles the buckets while they hold more than bucketTarget
// resources on average; every bucket is then written again.
func (r *record) grow() {
	n := r.head.Buckets
	for len(r.facts.Entries) > bucketTarget*n {
		n *= 2
	}
	if n == r.head.Buckets {
		return
	}
	old := r.head.Buckets
	r.head.Buckets = n
	r.bucketRevs = append(r.bucketRevs, make([]uint64, n-old)...)
	r.bucketRefs = make([]map[string]bool, n)
	for i := range r.bucketRefs {
		r.bucketRefs[i] = map[string]bool{}
		r.dirty[i] = true
	}
	for ref := range r.facts.Entries {
		r.bucketRefs[bucketOf(ref, n)][ref] = true
	}
}

// setEvaluation keeps a trial's new evaluation.
func (r *record) setEvaluation(fingerprint string, ev evaluator.Evaluation) {
	r.evals[ev.Trial] = &StoredEvaluation{Fingerprint: fingerprint, Evaluation: ev}
	r.evalsDirty = true
}

// dropEvaluationsBut forgets the evaluations of trials not in keep (trials
// no longer loaded).
func (r *record) dropEvaluationsBut(keep func(trial string) bool) {
	for id := range r.evals {
		if !keep(id) {
			delete(r.evals, id)
			r.evalsDirty = true
		}
	}
}

// queue adds events to the outbox.
func (r *record) queue(events ...Event) {
	if len(events) == 0 {
		return
	}
	r.outbox = append(r.outbox, events...)
	r.outboxDirty = true
}

// changed reports whether anything but the head needs writing.
func (r *record) changed() bool {
	return len(r.dirty) > 0 || r.evalsDirty || r.outboxDirty || r.headRev == 0
}

// due is the earliest valid_until of the record's evaluations; zero if none.
func (r *record) due() time.Time {
	var due time.Time
	for _, se := range r.evals {
		if v := se.Evaluation.ValidUntil; v != nil && (due.IsZero() || v.Before(due)) {
			due = *v
		}
	}
	return due
}
