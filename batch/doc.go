// Package batch is offline evaluation: FHIR files in, one evaluation per
// patient and trial out. It is what `trialscout eval` runs, and what the
// scenario tests check; the streaming worker reaches the same decisions
// resource by resource through the same fhirmap, facts and evaluator.
package batch
