package streams

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// A patient's record is split over keys of the state bucket, so that what
// a message changes is written and a long history is not (README, "What a
// record keeps"):
//
//	p.<id>        head: identity, next check, each trial's last evaluation,
//	              the outbox, and the generation of each bucket's facts the
//	              evaluations were made from
//	p.<id>.f.<n>  the facts and version entries of the patient's resources,
//	              in buckets by a hash of the resource, each with the
//	              generation of its facts
//
// A message writes the bucket of each resource it changes and, when facts
// changed (so decisions were made again), the head; each write is
// compare-and-set on the key's revision. Buckets are written before the
// head: a writer that stops in between leaves a bucket whose generation is
// ahead of the head's, and whoever reads the record next decides again.
// A resource no trial reads changes only its entry, one bucket write.
const (
	schemaVersion = 2
	// bucketTarget is how many resources a fact bucket holds on average
	// before the buckets double: a message writes one bucket of about this
	// size, whatever the patient's history.
	bucketTarget = 64
)

// head is the first key of a record: read on every message.
type head struct {
	// NextCheck is the earliest valid_until of the record's evaluations;
	// first, so that the schedule reads it before the rest.
	NextCheck *time.Time `json:"next_check"`
	Schema    int        `json:"schema"`
	Patient   string     `json:"patient"`
	// Buckets is how many fact buckets there are (a power of two); Gens is,
	// per bucket, the generation of its facts the evaluations saw.
	Buckets int      `json:"buckets"`
	Gens    []uint64 `json:"gens"`
	// Evaluations holds each trial's last evaluation, by trial id.
	Evaluations map[string]*StoredEvaluation `json:"evaluations,omitempty"`
	// Outbox holds events written and not yet known to be published.
	Outbox []Event `json:"outbox,omitempty"`
}

// bucket is one fact bucket as stored.
type bucket struct {
	// Gen goes up whenever a fact in the bucket changes (not an entry).
	Gen   uint64         `json:"gen"`
	Facts *facts.Patient `json:"facts"`
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
	key     string // the head's key; the buckets' extend it
	head    head
	headRev uint64 // 0: the record does not exist yet

	facts *facts.Patient
	// Per bucket: its revision, the generation of its facts, and the
	// resources in it.
	bucketRevs []uint64
	bucketGens []uint64
	bucketRefs []map[string]bool
	// dirty marks the buckets to write; factDirty those whose facts
	// changed (their generation goes up).
	dirty     map[int]bool
	factDirty map[int]bool
	// headDirty: the head must be written (decisions, outbox, layout).
	headDirty bool
	// growFrom is the bucket count before the buckets doubled in this
	// change (0: they did not): until the head says the new count, the old
	// buckets are written whole in the old layout (see grow).
	growFrom int
	// stale: some bucket's facts are ahead of the evaluations (a writer
	// stopped between its writes); the next change decides again.
	stale bool
}

func newRecord(patient string) *record {
	return &record{key: patientKey(patient), head: head{Schema: schemaVersion, Patient: patient, Buckets: 1, Gens: []uint64{0},
		Evaluations: map[string]*StoredEvaluation{}}, facts: facts.NewPatient(patient),
		bucketRevs: make([]uint64, 1), bucketGens: make([]uint64, 1), bucketRefs: []map[string]bool{{}},
		dirty: map[int]bool{}, factDirty: map[int]bool{}, headDirty: true}
}

func bucketKey(key string, i int) string { return key + ".f." + strconv.Itoa(i) }

// bucketOf is the bucket of a resource among n (a power of two): doubling n
// splits each bucket in two.
func bucketOf(ref string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(ref))
	return int(h.Sum64() & uint64(n-1))
}

// touched notes that a resource's entry or fact changed (or went): its
// bucket is written, and its generation goes up when a fact changed.
func (r *record) touched(ref string, c facts.Change) {
	if c == facts.Unchanged {
		return
	}
	i := bucketOf(ref, r.head.Buckets)
	r.dirty[i] = true
	if c == facts.FactsChanged {
		r.factDirty[i] = true
		r.headDirty = true
	}
	if _, ok := r.facts.Entries[ref]; ok {
		r.bucketRefs[i][ref] = true
	} else {
		delete(r.bucketRefs[i], ref)
	}
}

// grow doubles the buckets while they hold more than bucketTarget
// resources on average. The old buckets are written again whole, in the
// old layout (compare-and-set: a writer that changed one meanwhile makes
// this change start again), then the new ones, then the head with the new
// count. Until the head is written the old layout is the record; after,
// an old bucket keeps copies of resources that moved out until it is next
// written, and loads ignore them.
func (r *record) grow() {
	if r.headRev == 0 {
		return // a record without a head keeps to bucket 0 (stateStore.headless)
	}
	n := r.head.Buckets
	for len(r.facts.Entries) > bucketTarget*n {
		n *= 2
	}
	if n == r.head.Buckets {
		return
	}
	old := r.head.Buckets
	r.head.Buckets, r.growFrom = n, old
	r.bucketRevs = append(r.bucketRevs, make([]uint64, n-old)...) // read by commit before writing
	r.bucketGens = append(r.bucketGens, make([]uint64, n-old)...)
	r.bucketRefs = make([]map[string]bool, n)
	for i := range r.bucketRefs {
		r.bucketRefs[i] = map[string]bool{}
	}
	for ref := range r.facts.Entries {
		r.bucketRefs[bucketOf(ref, n)][ref] = true
	}
	for i := range n {
		r.dirty[i], r.factDirty[i] = true, true
	}
	r.headDirty = true
}

// setEvaluation keeps a trial's new evaluation.
func (r *record) setEvaluation(fingerprint string, ev evaluator.Evaluation) {
	r.head.Evaluations[ev.Trial] = &StoredEvaluation{Fingerprint: fingerprint, Evaluation: ev}
	r.headDirty = true
}

// dropEvaluationsBut forgets the evaluations of trials not in keep (trials
// no longer loaded).
func (r *record) dropEvaluationsBut(keep func(trial string) bool) {
	for id := range r.head.Evaluations {
		if !keep(id) {
			delete(r.head.Evaluations, id)
			r.headDirty = true
		}
	}
}

// queue adds events to the outbox.
func (r *record) queue(events ...Event) {
	if len(events) > 0 {
		r.head.Outbox = append(r.head.Outbox, events...)
		r.headDirty = true
	}
}

// changed reports whether the record has anything to write.
func (r *record) changed() bool { return len(r.dirty) > 0 || r.headDirty }

// due is the earliest valid_until of the record's evaluations; zero if none.
func (r *record) due() time.Time {
	var due time.Time
	for _, se := range r.head.Evaluations {
		if v := se.Evaluation.ValidUntil; v != nil && (due.IsZero() || v.Before(due)) {
			due = *v
		}
	}
	return due
}

// dirtyBuckets lists the buckets to write, in order.
func (r *record) dirtyBuckets() []int {
	out := make([]int, 0, len(r.dirty))
	for i := range r.dirty {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// part is bucket i's content: its resources' entries and facts (while the
// buckets grow, an old bucket's whole content in the old layout).
func (r *record) part(i int) *facts.Patient {
	var refs []string
	if i < r.growFrom {
		for ref := range r.facts.Entries {
			if bucketOf(ref, r.growFrom) == i {
				refs = append(refs, ref)
			}
		}
		return r.facts.Part(refs)
	}
	refs = make([]string, 0, len(r.bucketRefs[i]))
	for ref := range r.bucketRefs[i] {
		refs = append(refs, ref)
	}
	return r.facts.Part(refs)
}
