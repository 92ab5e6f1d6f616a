package facts

import (
	"reflect"
	"time"
)

// Patient holds every fact trialscout keeps of one patient. Maps are keyed by
// the resource's Ref. A zero Patient is not usable: call NewPatient.
type Patient struct {
	ID            string                   `json:"id"`
	Demographics  *Demographics            `json:"demographics,omitempty"`
	Observations  map[string]*Observation  `json:"observations,omitempty"`
	Conditions    map[string]*Condition    `json:"conditions,omitempty"`
	Medications   map[string]*Medication   `json:"medications,omitempty"`
	Immunizations map[string]*Immunization `json:"immunizations,omitempty"`
	Procedures    map[string]*Procedure    `json:"procedures,omitempty"`
	Allergies     map[string]*Allergy      `json:"allergies,omitempty"`
	Decisions     map[string]*Decision     `json:"decisions,omitempty"`
	Encounters    map[string]*Encounter    `json:"encounters,omitempty"`
	// Entries remember the last applied version of every resource of the
	// patient, kept or not.
	Entries map[string]Entry `json:"entries,omitempty"`

	memo memo
}

// NewPatient returns an empty store for the patient id ("Patient/x").
func NewPatient(id string) *Patient {
	p := &Patient{ID: id}
	p.ensureMaps()
	return p
}

// ensureMaps makes a Patient decoded from JSON (where empty maps are
// omitted) ready for use.
func (p *Patient) ensureMaps() {
	if p.Observations == nil {
		p.Observations = map[string]*Observation{}
	}
	if p.Conditions == nil {
		p.Conditions = map[string]*Condition{}
	}
	if p.Medications == nil {
		p.Medications = map[string]*Medication{}
	}
	if p.Immunizations == nil {
		p.Immunizations = map[string]*Immunization{}
	}
	if p.Procedures == nil {
		p.Procedures = map[string]*Procedure{}
	}
	if p.Allergies == nil {
		p.Allergies = map[string]*Allergy{}
	}
	if p.Decisions == nil {
		p.Decisions = map[string]*Decision{}
	}
	if p.Encounters == nil {
		p.Encounters = map[string]*Encounter{}
	}
	if p.Entries == nil {
		p.Entries = map[string]Entry{}
	}
}

// Change says what applying a version did to a store.
type Change uint8

const (
	// Unchanged: nothing (an older version, or the same one again).
	Unchanged Change = iota
	// EntryChanged: only the bookkeeping of versions changed; decisions
	// cannot, but the store must be saved.
	EntryChanged
	// FactsChanged: a fact (or whether the patient has medication data)
	// changed; decisions must be made again.
	FactsChanged
)

// Max returns the larger of two changes.
func (c Change) Max(d Change) Change { return max(c, d) }

// Apply adds one version of a resource that names this patient, and says
// what changed. The newest version wins whether or not any trial reads it
// (CompareVersions): an older version is ignored; the same version again
// changes nothing, except that content no trial read when it first came is
// kept when it comes again relevant (a replay for a new trial). A retracted
// version, or one no concept matches, removes the fact and keeps only its
// entry.
func (p *Patient) Apply(r Resource) Change {
	p.ensureMaps()
	m := r.Meta()
	next := newEntry(r)
	prev, seen := p.Entries[m.Ref]
	if seen {
		switch c := CompareVersions(next.Version, prev.Version); {
		case c < 0:
			return Unchanged
		case c == 0:
			return p.applySame(r, prev)
		}
	}
	p.setEntry(m.Ref, prev, next)
	change := EntryChanged
	if seen && prev == next {
		change = Unchanged
	}
	if !prev.MedStart.Equal(next.MedStart) {
		change = FactsChanged
	}
	old := p.fact(m.Ref)
	if !r.Kept() {
		if old != nil {
			p.remove(m.Ref)
			return FactsChanged
		}
		return change
	}
	if old != nil && reflect.DeepEqual(old, r.fact()) {
		return change
	}
	p.store(r)
	return FactsChanged
}

// applySame handles a version the store has seen: content not kept then is
// kept now if a trial reads it.
func (p *Patient) applySame(r Resource, prev Entry) Change {
	if prev.MovedTo != "" || p.fact(r.Meta().Ref) != nil || !r.Kept() {
		return Unchanged
	}
	p.store(r)
	return FactsChanged
}

// Kept reports whether the store keeps a version's content: not retracted,
// and read by some trial. Demographics, allergies and people's decisions are
// always kept: age and allergy severity matter whatever the codes, and a
// decision is made for a trial.
func (r Resource) Kept() bool {
	if r.Meta().Retracted {
		return false
	}
	return r.Relevant || r.Demographics != nil || r.Allergy != nil || r.Decision != nil
}

// newEntry is the entry that applying r leaves.
func newEntry(r Resource) Entry {
	m := r.Meta()
	e := Entry{Version: m.Version()}
	if r.Observation != nil {
		e.Effective = r.Observation.Effective
	}
	if md := r.Medication; md != nil && !m.Retracted && CountsAsExposure(md.IsRequest(), md.Status) {
		e.MedStart = md.Start
	}
	return e
}

// Release gives up a resource that a newer version, v, files under another
// patient (to). It reports what changed; Unchanged when the store already
// knows a version as new as v.
func (p *Patient) Release(ref string, v Version, to string) Change {
	p.ensureMaps()
	prev, seen := p.Entries[ref]
	if seen && CompareVersions(v, prev.Version) <= 0 {
		return Unchanged
	}
	p.setEntry(ref, prev, Entry{Version: v, MovedTo: to})
	if p.fact(ref) != nil || !prev.MedStart.IsZero() {
		p.remove(ref)
		return FactsChanged
	}
	return EntryChanged
}

// Holds reports whether the store holds something of the resource that
// decisions read: its content, or a medication mark. Only such resources
// need to be found when a newer version names another patient.
func (p *Patient) Holds(ref string) bool {
	e, ok := p.Entries[ref]
	if !ok || e.MovedTo != "" {
		return false
	}
	return !e.MedStart.IsZero() || p.fact(ref) != nil
}

// Transfer applies r, which names to, when the resource is currently held by
// from (another patient, or nil for none): a newer version moves the
// resource out of from; an older one is ignored. It returns what changed in
// each store.
func Transfer(from, to *Patient, r Resource) (fromChange, toChange Change) {
	if from != nil && from != to && from.Holds(r.Meta().Ref) {
		prev := from.Entries[r.Meta().Ref]
		if CompareVersions(r.Meta().Version(), prev.Version) <= 0 {
			return Unchanged, Unchanged
		}
		fromChange = from.Release(r.Meta().Ref, r.Meta().Version(), to.ID)
	}
	return fromChange, to.Apply(r)
}

// fact returns the pointer r holds, as an interface for comparison.
func (r Resource) fact() any {
	switch {
	case r.Demographics != nil:
		return r.Demographics
	case r.Observation != nil:
		return r.Observation
	case r.Condition != nil:
		return r.Condition
	case r.Medication != nil:
		return r.Medication
	case r.Immunization != nil:
		return r.Immunization
	case r.Procedure != nil:
		return r.Procedure
	case r.Allergy != nil:
		return r.Allergy
	case r.Decision != nil:
		return r.Decision
	case r.Encounter != nil:
		return r.Encounter
	}
	return nil
}

func (p *Patient) fact(ref string) any {
	if p.Demographics != nil && p.Demographics.Ref == ref {
		return p.Demographics
	}
	if o := p.Observations[ref]; o != nil {
		return o
	}
	if c := p.Conditions[ref]; c != nil {
		return c
	}
	if m := p.Medications[ref]; m != nil {
		return m
	}
	if im := p.Immunizations[ref]; im != nil {
		return im
	}
	if pr := p.Procedures[ref]; pr != nil {
		return pr
	}
	if a := p.Allergies[ref]; a != nil {
		return a
	}
	if d := p.Decisions[ref]; d != nil {
		return d
	}
	if e := p.Encounters[ref]; e != nil {
		return e
	}
	return nil
}

func (p *Patient) store(r Resource) {
	ref := r.Meta().Ref
	p.memo.forget(ref)
	switch {
	case r.Demographics != nil:
		p.Demographics = r.Demographics
	case r.Observation != nil:
		p.Observations[ref] = r.Observation
		p.memo.noteEffective(r.Observation.Effective)
	case r.Condition != nil:
		p.Conditions[ref] = r.Condition
	case r.Medication != nil:
		p.Medications[ref] = r.Medication
	case r.Immunization != nil:
		p.Immunizations[ref] = r.Immunization
	case r.Procedure != nil:
		p.Procedures[ref] = r.Procedure
	case r.Allergy != nil:
		p.Allergies[ref] = r.Allergy
	case r.Decision != nil:
		p.Decisions[ref] = r.Decision
	case r.Encounter != nil:
		p.Encounters[ref] = r.Encounter
	}
}

// Restore puts back an entry, and with it a stand-in observation when
// standIn is set, as a reader that forgot them (to save memory) had them.
func (p *Patient) Restore(ref string, e Entry, standIn *Observation) {
	p.ensureMaps()
	p.memo.forget(ref)
	if standIn != nil {
		p.Observations[ref] = standIn
		p.memo.noteEffective(standIn.Effective)
	}
	p.setEntry(ref, p.Entries[ref], e)
}

func (p *Patient) remove(ref string) {
	p.memo.forget(ref)
	if p.Demographics != nil && p.Demographics.Ref == ref {
		p.Demographics = nil
	}
	delete(p.Observations, ref)
	delete(p.Conditions, ref)
	delete(p.Medications, ref)
	delete(p.Immunizations, ref)
	delete(p.Procedures, ref)
	delete(p.Allergies, ref)
	delete(p.Decisions, ref)
	delete(p.Encounters, ref)
}

// setEntry records a resource's entry, keeping the medication summary
// current.
func (p *Patient) setEntry(ref string, prev, next Entry) {
	p.Entries[ref] = next
	p.memo.noteEffective(next.Effective)
	if !prev.MedStart.Equal(next.MedStart) {
		p.memo.medChanged(prev.MedStart, next.MedStart)
	}
}

// FirstMedicationStart is the earliest start of a medication record that
// counts as an exposure, of any drug; zero when there is none. "Medication
// data" at an instant T means one that started at or before T.
func (p *Patient) FirstMedicationStart() time.Time {
	return p.memo.firstMed(p.Entries)
}

// PruneObservations forgets observations (and the entries of every
// observation, kept or not) whose effective time is before horizon.
// Callers pass the evaluation time minus the longest window any trial
// reads, so no evaluation at or after that time can need them; this is what
// keeps a patient's recent facts bounded however long the history. It
// returns the references it forgot. What it keeps depends only on the
// horizon, never on what else the store holds, so a worker that prunes
// after every batch keeps what one pruning at the end keeps.
func (p *Patient) PruneObservations(horizon time.Time) []string {
	if p.memo.nothingBefore(horizon) {
		return nil // the usual case: walking a long history would find nothing
	}
	var dropped []string
	kept := len(p.Observations)
	for ref, e := range p.Entries {
		if e.Effective.IsZero() || !e.Effective.Before(horizon) {
			continue
		}
		if o := p.Observations[ref]; o != nil && (o.Effective.IsZero() || !o.Effective.Before(horizon)) {
			continue // its entry's time is an older version's: keep both
		}
		if _, ok := p.Observations[ref]; ok {
			p.remove(ref)
			kept--
		}
		delete(p.Entries, ref)
		dropped = append(dropped, ref)
	}
	for ref, o := range p.Observations {
		if !o.Effective.IsZero() && o.Effective.Before(horizon) {
			p.remove(ref)
			delete(p.Entries, ref)
			dropped = append(dropped, ref)
			kept--
		}
	}
	if len(dropped) > kept {
		p.Observations = compacted(p.Observations)
		p.Entries = compacted(p.Entries)
	}
	p.memo.setOldest(p.oldestEffective())
	return dropped
}

// oldestEffective is the earliest effective time of an observation or an
// entry; zero when there is none.
func (p *Patient) oldestEffective() time.Time {
	var oldest time.Time
	note := func(t time.Time) {
		if !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	for _, e := range p.Entries {
		note(e.Effective)
	}
	for _, o := range p.Observations {
		note(o.Effective)
	}
	return oldest
}

// compacted copies a map into one sized for what it holds. A Go map keeps
// its size after deletes, and walking it costs that size: without this, a
// long history pruned away would still slow every evaluation.
func compacted[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Size is the number of facts held, for metrics and benchmarks.
func (p *Patient) Size() int {
	n := len(p.Observations) + len(p.Conditions) + len(p.Medications) +
		len(p.Immunizations) + len(p.Procedures) + len(p.Allergies) + len(p.Decisions) + len(p.Encounters)
	if p.Demographics != nil {
		n++
	}
	return n
}

// Refs lists every resource the store has an entry for, in no order.
func (p *Patient) Refs() []string {
	out := make([]string, 0, len(p.Entries))
	for ref := range p.Entries {
		out = append(out, ref)
	}
	return out
}

// Part returns a store with only the given resources (their entries and
// facts), sharing the facts with p: the way a record is written in parts.
func (p *Patient) Part(refs []string) *Patient {
	q := NewPatient(p.ID)
	for _, ref := range refs {
		if e, ok := p.Entries[ref]; ok {
			q.Entries[ref] = e
		}
		if f := p.fact(ref); f != nil {
			q.put(ref, f)
		}
	}
	return q
}

// Merge adds the entries and facts of q, a part of the same patient, to p.
func (p *Patient) Merge(q *Patient) {
	p.ensureMaps()
	for ref, e := range q.Entries {
		p.Entries[ref] = e
	}
	if q.Demographics != nil {
		p.Demographics = q.Demographics
	}
	mergeMap(p.Observations, q.Observations)
	mergeMap(p.Conditions, q.Conditions)
	mergeMap(p.Medications, q.Medications)
	mergeMap(p.Immunizations, q.Immunizations)
	mergeMap(p.Procedures, q.Procedures)
	mergeMap(p.Allergies, q.Allergies)
	mergeMap(p.Decisions, q.Decisions)
	mergeMap(p.Encounters, q.Encounters)
	p.memo = memo{}
}

func mergeMap[V any](into, from map[string]V) {
	for k, v := range from {
		into[k] = v
	}
}

// put stores a fact of any kind under ref.
func (p *Patient) put(ref string, f any) {
	switch f := f.(type) {
	case *Demographics:
		p.Demographics = f
	case *Observation:
		p.Observations[ref] = f
	case *Condition:
		p.Conditions[ref] = f
	case *Medication:
		p.Medications[ref] = f
	case *Immunization:
		p.Immunizations[ref] = f
	case *Procedure:
		p.Procedures[ref] = f
	case *Allergy:
		p.Allergies[ref] = f
	case *Decision:
		p.Decisions[ref] = f
	case *Encounter:
		p.Encounters[ref] = f
	}
}
