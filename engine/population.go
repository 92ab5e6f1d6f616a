package engine

import (
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// population is every patient's facts as eval builds them from its input.
// It knows which patient holds each resource, so that a newer version
// naming another patient moves the resource, as the worker's resource
// index does across its records.
//
// With a horizon, it also keeps memory in proportion to what the trials can
// read rather than to the length of the input: see Pruning while reading.
type population struct {
	patients map[string]*facts.Patient
	holder   map[string]string // resource → the patient holding it
	arrived  uint64            // arrival number of the last resource applied

	horizon time.Time // zero: prune nothing while reading
	pruned  map[string]*pruned
	seed    maphash.Seed
}

func newPopulation() *population {
	return &population{patients: map[string]*facts.Patient{}, holder: map[string]string{}}
}

// newPrunedPopulation is a population that prunes observations older than
// horizon while it reads.
func newPrunedPopulation(horizon time.Time) *population {
	pop := newPopulation()
	pop.horizon, pop.pruned, pop.seed = horizon, map[string]*pruned{}, maphash.MakeSeed()
	return pop
}

func (pop *population) patient(id string) *facts.Patient {
	p := pop.patients[id]
	if p == nil {
		p = facts.NewPatient(id)
		pop.patients[id] = p
	}
	return p
}

// apply applies one resource version to the patient it names, taking it
// from the patient that holds it when it is newer there.
func (pop *population) apply(r facts.Resource) {
	to := pop.patient(r.Patient)
	ref := r.Meta().Ref
	var from *facts.Patient
	if h, ok := pop.holder[ref]; ok && h != r.Patient {
		from = pop.patients[h]
	}
	pop.revive(to, ref)
	pop.revive(from, ref)
	facts.Transfer(from, to, r)
	switch {
	case to.Holds(ref):
		pop.holder[ref] = to.ID
	case from != nil && from.Holds(ref):
	default:
		delete(pop.holder, ref)
	}
	pop.prune(to)
}

// Pruning while reading. A patient's store keeps an entry for every
// resource it has seen (facts.Patient.Entries), with or without a fact, and
// PruneObservations forgets old observations only when Run calls it, once
// everything is read; so the store grew with the input. Until then an entry
// decides what a later version of the same resource does: an older version
// is ignored, a newer one replaces it, and a resource held by one patient
// moves to another only for a newer version. Evaluations read only the
// facts and the medication marks of entries (FirstMedicationStart).
//
// So while reading, each time a patient's store has grown by a quarter, the
// population prunes old observations as Run would, and then takes out every
// entry that holds nothing (no fact, no medication mark, not moved); each
// entry taken out leaves a tombstone with its version and whether the
// patient held a fact of it. When a resource comes again, its tombstone is
// put back as an entry (and a stand-in fact older than the horizon, when
// one was held) before the version is applied, so that facts.Transfer
// decides as it would have; what remains of it is taken out again, or
// pruned by Run. A tombstone is 25 bytes; the entry and fact it stands for
// took some 250 to 800. TestPruningWhileReadingIsExact holds the results to
// those of pruning only at the end.
//
// It relies on arrivals increasing: a tombstone forgets the arrival order,
// and puts the entry back as the earliest arrival, which orders it exactly
// as before against any later version.

// pruned is what pruning while reading left of one patient.
type pruned struct {
	tombs tombs
	// next is the number of entries at which the patient is pruned again.
	next int
	// off is set for a patient whose store holds something a tombstone
	// cannot stand for (a time out of range, say): it is pruned only by Run.
	off bool
}

// minPruneGap is how many entries a patient's store grows by, at least,
// between two prunings: pruning walks every entry.
var minPruneGap = 32

// tombs are the tombstones of a patient's entries, sorted by key, in
// columns (no padding).
type tombs struct {
	// keys are 64-bit hashes of the references: two references of one
	// patient sharing one are a chance of about n²/2⁶⁵ for n tombstones.
	keys     []uint64
	versions []int64 // meta.versionId, when a number (versionIsInt)
	updated  []int64 // meta.lastUpdated, Unix nanoseconds (updatedIsZero: none)
	flags    []uint8
}

const (
	versionIsInt uint8 = 1 << iota
	updatedIsZero
	held // the patient held a fact of it
)

// minTime and maxTime bound the times a tombstone can keep (UnixNano).
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// prune prunes a patient's old observations and takes out its entries that
// hold nothing, when its store has grown enough since the last time.
func (pop *population) prune(p *facts.Patient) {
	if pop.horizon.IsZero() {
		return
	}
	st := pop.pruned[p.ID]
	if st == nil {
		st = &pruned{next: minPruneGap}
		pop.pruned[p.ID] = st
	}
	if st.off || len(p.Entries) < st.next {
		return
	}
	old, ok := pop.prunable(p)
	if !ok {
		st.off = true
		return
	}
	for _, ref := range p.PruneObservations(pop.horizon) {
		st.tombs.add(pop.key(ref), old[ref])
	}
	taken := 0
	for ref, e := range p.Entries {
		if e.MedStart.IsZero() && e.MovedTo == "" && !p.Holds(ref) {
			st.tombs.add(pop.key(ref), prunedEntry{Entry: e})
			delete(p.Entries, ref)
			taken++
		}
	}
	if taken > len(p.Entries) {
		p.Entries = maps.Clone(p.Entries) // a map keeps its size after deletes
	}
	st.tombs.sort()
	st.next = len(p.Entries) + max(minPruneGap, len(p.Entries)/4)
}

// prunedEntry is an entry taken out, and whether the patient held a fact of
// it.
type prunedEntry struct {
	facts.Entry
	held bool
}

// prunable lists the entries PruneObservations may drop (those of
// observations older than the horizon), or says that some entry cannot be
// left as a tombstone.
func (pop *population) prunable(p *facts.Patient) (map[string]prunedEntry, bool) {
	out := map[string]prunedEntry{}
	for ref, e := range p.Entries {
		if t := e.LastUpdated; !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
			return nil, false
		}
		if e.Effective.IsZero() || !e.Effective.Before(pop.horizon) {
			continue
		}
		if !e.MedStart.IsZero() || e.MovedTo != "" {
			return nil, false
		}
		out[ref] = prunedEntry{Entry: e, held: p.Holds(ref)}
	}
	for ref, o := range p.Observations {
		if _, ok := out[ref]; !ok && !o.Effective.IsZero() && o.Effective.Before(pop.horizon) {
			return nil, false // a fact older than the horizon whose entry is not
		}
	}
	return out, true
}

func (pop *population) key(ref string) uint64 { return maphash.String(pop.seed, ref) }

// add appends a tombstone (sort restores the order).
func (ts *tombs) add(key uint64, e prunedEntry) {
	var v int64
	var f uint8
	if n, err := strconv.ParseInt(e.VersionID, 10, 64); err == nil {
		v, f = n, versionIsInt
	}
	var u int64
	if e.LastUpdated.IsZero() {
		f |= updatedIsZero
	} else {
		u = e.LastUpdated.UnixNano()
	}
	if e.held {
		f |= held
	}
	ts.keys, ts.versions, ts.updated, ts.flags = append(ts.keys, key), append(ts.versions, v), append(ts.updated, u), append(ts.flags, f)
}

func (ts *tombs) Len() int           { return len(ts.keys) }
func (ts *tombs) Less(i, j int) bool { return ts.keys[i] < ts.keys[j] }
func (ts *tombs) Swap(i, j int) {
	ts.keys[i], ts.keys[j] = ts.keys[j], ts.keys[i]
	ts.versions[i], ts.versions[j] = ts.versions[j], ts.versions[i]
	ts.updated[i], ts.updated[j] = ts.updated[j], ts.updated[i]
	ts.flags[i], ts.flags[j] = ts.flags[j], ts.flags[i]
}

// sort orders the tombstones by key and trims the columns to their length.
func (ts *tombs) sort() {
	sort.Sort(ts)
	ts.keys, ts.versions, ts.updated, ts.flags = slices.Clip(ts.keys), slices.Clip(ts.versions), slices.Clip(ts.updated), slices.Clip(ts.flags)
}

// take removes the tombstone of key and returns what it stands for.
func (ts *tombs) take(key uint64) (facts.Version, uint8, bool) {
	i, found := slices.BinarySearch(ts.keys, key)
	if !found {
		return facts.Version{}, 0, false
	}
	var v facts.Version
	f := ts.flags[i]
	if f&versionIsInt != 0 {
		v.VersionID = strconv.FormatInt(ts.versions[i], 10) // CompareVersions reads it as this number
	}
	if f&updatedIsZero == 0 {
		v.LastUpdated = time.Unix(0, ts.updated[i]).UTC()
	}
	ts.keys, ts.versions, ts.updated, ts.flags = slices.Delete(ts.keys, i, i+1), slices.Delete(ts.versions, i, i+1),
		slices.Delete(ts.updated, i, i+1), slices.Delete(ts.flags, i, i+1)
	return v, f, true
}

// revive puts back what a tombstone of ref in p stands for, if there is
// one: the entry, with the version it had (all that facts reads of it;
// Arrival 0, earlier than any version to come) and, when p held a fact of
// it, a stand-in fact older than the horizon, which Run prunes.
func (pop *population) revive(p *facts.Patient, ref string) {
	if p == nil || pop.horizon.IsZero() {
		return
	}
	st := pop.pruned[p.ID]
	if st == nil || st.tombs.Len() == 0 {
		return
	}
	v, f, ok := st.tombs.take(pop.key(ref))
	if !ok {
		return
	}
	e := facts.Entry{Version: v}
	var standIn *facts.Observation
	if f&held != 0 {
		e.Effective = pop.horizon.Add(-time.Nanosecond)
		standIn = &facts.Observation{Meta: facts.Meta{Ref: ref}, Effective: e.Effective}
	}
	p.Restore(ref, e, standIn)
}
