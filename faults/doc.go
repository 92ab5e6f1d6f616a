// Package faults holds the fault suite: tests that run the real trialscout
// binary as separate processes against real NATS servers on loopback, break
// things on purpose (kill -9 of workers, a server restart, a node of a
// three-node cluster stopped, three workers at once), and then check that
// nothing was lost or doubled.
//
// After each run three invariants must hold:
//
//	(a) every patient's final status per trial equals `trialscout eval`
//	    over the same input at the same instant;
//	(b) the events of each patient and trial are exactly its status
//	    transitions, in order: the first has no previous status, each
//	    next one starts from the status the one before ended in, and none
//	    repeats a status; the last ends in the stored status;
//	(c) no two events share an id.
//
// and no event in a patient's outbox is left unpublished.
//
// `go test ./faults/` runs the bounded variant that CI runs. The long
// variant (the README's Reliability figures) runs with
// TRIALSCOUT_FAULTS=long; it takes several minutes.
package faults
