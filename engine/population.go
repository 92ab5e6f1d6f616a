package engine

import "github.com/trialscout/trialscout/evaluator/facts"

// population is every patient's facts as eval builds them from its input.
// It knows which patient holds each resource, so that a newer version
// naming another patient moves the resource, as the worker's resource
// index does across its records.
type population struct {
	patients map[string]*facts.Patient
	holder   map[string]string // resource → the patient holding it
	arrived  uint64            // arrival number of the last resource applied
}

func newPopulation() *population {
	return &population{patients: map[string]*facts.Patient{}, holder: map[string]string{}}
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
	facts.Transfer(from, to, r)
	switch {
	case to.Holds(ref):
		pop.holder[ref] = to.ID
	case from != nil && from.Holds(ref):
	default:
		delete(pop.holder, ref)
	}
}
