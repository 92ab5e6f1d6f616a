package facts

import (
	"reflect"
	"strconv"
	"time"
)

// Version is what the store remembers of the last applied version of a
// resource, including one that was retracted or stopped being relevant.
type Version struct {
	VersionID   string    `json:"v,omitempty"`
	LastUpdated time.Time `json:"u,omitzero"`
	// Effective lets the store forget versions of pruned observations.
	Effective time.Time `json:"e,omitzero"`
}

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
	Versions      map[string]Version       `json:"versions,omitempty"`
}

// NewPatient returns an empty store for the patient "Patient/id".
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
	if p.Versions == nil {
		p.Versions = map[string]Version{}
	}
}

// CompareVersions orders two versions of one resource: +1 when a is newer,
// -1 when older, 0 when they cannot be told apart. meta.versionId decides
// when both are numeric, else meta.lastUpdated (absent counts as earliest).
func CompareVersions(a, b Version) int {
	if ai, err := strconv.ParseInt(a.VersionID, 10, 64); err == nil {
		if bi, err := strconv.ParseInt(b.VersionID, 10, 64); err == nil {
			return cmpInt(ai, bi)
		}
	}
	return a.LastUpdated.Compare(b.LastUpdated)
}

func cmpInt(a, b int64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// Apply adds one version of a resource and reports whether the store
// changed: a fact, or the version record that keeps a late older version
// out (so that a caller that saves the store on a change keeps it too). An
// older version than the one applied is ignored; a version that cannot be
// told apart from the applied one replaces it (arrival order is then the
// best evidence), which leaves identical redeliveries without effect. A
// retracted version, or one no concept matches any more, removes the fact.
func (p *Patient) Apply(r Resource) bool {
	p.ensureMaps()
	m := r.Meta()
	v := Version{VersionID: m.VersionID, LastUpdated: m.LastUpdated}
	if r.Observation != nil {
		v.Effective = r.Observation.Effective
	}
	prev, seen := p.Versions[m.Ref]
	if seen && CompareVersions(v, prev) < 0 {
		return false
	}
	versionChanged := !seen || !sameVersion(v, prev)
	old := p.fact(m.Ref)
	keep := !m.Retracted && r.Relevant()
	if !keep {
		if old == nil && !m.Retracted {
			return false // never relevant: remember nothing, the store stays bounded
		}
		p.Versions[m.Ref] = v
		if old == nil {
			return versionChanged // a retraction of what was never kept
		}
		p.remove(m.Ref)
		return true
	}
	p.Versions[m.Ref] = v
	if old != nil && reflect.DeepEqual(old, r.fact()) {
		return versionChanged
	}
	p.store(r)
	return true
}

func sameVersion(a, b Version) bool {
	return a.VersionID == b.VersionID && a.LastUpdated.Equal(b.LastUpdated) && a.Effective.Equal(b.Effective)
}

// Relevant reports whether the store keeps the resource: some concept
// matched. Demographics and allergies are always kept: age and allergy
// severity matter whatever the codes.
func (r Resource) Relevant() bool {
	switch {
	case r.Demographics != nil, r.Allergy != nil:
		return true
	case r.Observation != nil:
		if len(r.Observation.Concepts) > 0 {
			return true
		}
		for _, c := range r.Observation.Components {
			if len(c.Concepts) > 0 {
				return true
			}
		}
		return false
	case r.Condition != nil:
		return len(r.Condition.Concepts) > 0
	case r.Medication != nil:
		return len(r.Medication.Concepts) > 0
	case r.Immunization != nil:
		return len(r.Immunization.Concepts) > 0
	case r.Procedure != nil:
		return len(r.Procedure.Concepts) > 0
	}
	return false
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
	}
	return nil
}

func (p *Patient) fact(ref string) any {
	if p.Demographics != nil && p.Demographics.Ref == ref {
		return p.Demographics
	}
	for _, f := range []any{p.Observations[ref], p.Conditions[ref], p.Medications[ref],
		p.Immunizations[ref], p.Procedures[ref], p.Allergies[ref]} {
		if !reflect.ValueOf(f).IsNil() {
			return f
		}
	}
	return nil
}

func (p *Patient) store(r Resource) {
	ref := r.Meta().Ref
	switch {
	case r.Demographics != nil:
		p.Demographics = r.Demographics
	case r.Observation != nil:
		p.Observations[ref] = r.Observation
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
	}
}

func (p *Patient) remove(ref string) {
	if p.Demographics != nil && p.Demographics.Ref == ref {
		p.Demographics = nil
	}
	delete(p.Observations, ref)
	delete(p.Conditions, ref)
	delete(p.Medications, ref)
	delete(p.Immunizations, ref)
	delete(p.Procedures, ref)
	delete(p.Allergies, ref)
}

// PruneObservations forgets observations (and their version records) whose
// effective time is before horizon. Callers pass the evaluation time minus the
// longest window any trial reads, so no evaluation at or after that time can
// need them; this is what keeps a patient's facts bounded however long the
// history. It returns how many observations were dropped.
func (p *Patient) PruneObservations(horizon time.Time) int {
	dropped := 0
	for ref, o := range p.Observations {
		if !o.Effective.IsZero() && o.Effective.Before(horizon) {
			delete(p.Observations, ref)
			delete(p.Versions, ref)
			dropped++
		}
	}
	for ref, v := range p.Versions {
		if !v.Effective.IsZero() && v.Effective.Before(horizon) {
			if _, kept := p.Observations[ref]; !kept {
				delete(p.Versions, ref)
			}
		}
	}
	if dropped > len(p.Observations) {
		p.Observations = compacted(p.Observations)
		p.Versions = compacted(p.Versions)
	}
	return dropped
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
		len(p.Immunizations) + len(p.Procedures) + len(p.Allergies)
	if p.Demographics != nil {
		n++
	}
	return n
}
