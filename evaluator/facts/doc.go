// Package facts is the compact, per-patient fact model that sits between FHIR
// and the trial rules.
//
// It owns three things: the fact types (what trialscout remembers of each
// resource it found relevant), the Patient store with its version rules (a
// newer version replaces an older one, a late older one never wins,
// entered-in-error retracts), and the Vocabulary that says which codes and
// names belong to which concept. It imports nothing of trialscout: fhirmap
// produces facts, the evaluator consumes them, and neither knows the other.
package facts
