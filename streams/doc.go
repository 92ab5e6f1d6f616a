// Package streams owns every NATS call: the JetStream streams and the state
// bucket, the worker loop that consumes FHIR resources, keeps each patient's
// facts and evaluations, publishes status-change events and copies rejected
// input aside, and the publisher that feeds resources in.
//
// The worker's order of steps makes a crash at any point safe. For each
// patient touched by a message it loads the state record, applies the facts,
// evaluates, and writes the record back with compare-and-set on the KV
// revision, carrying the new events in an outbox inside the record. Only then
// does it publish the outbox (each event's id is its Nats-Msg-Id, so a
// repeat is dropped by the stream), clear it, and finally ack the message.
// A crash before the write loses nothing (the message is redelivered); a
// crash after it leaves the outbox, which the next touch of the patient
// publishes again under the same ids.
package streams
