// Package engine ties the pieces of a decision together: compiled trials,
// the vocabulary they need, and the FHIR mapper built from it. It evaluates
// files offline (what `trialscout eval` runs, and what the scenario tests
// check), and gives the streaming worker the same mapping and evaluation, so
// that both reach the same decisions.
package engine
