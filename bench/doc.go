// Package bench measures the worker's pipeline against its own ceilings, on
// one workload in one run, and reports them side by side:
//
//   - P, the parse ceiling: bare jsonformat parsing of every payload, on one
//     goroutine, as the worker parses serially;
//   - N, the NATS ceiling: the same payloads published to an embedded
//     server with the worker's settings (file store, SyncAlways), then
//     drained by a pull consumer that fetches and acks as the worker does
//     and does nothing else;
//   - E, end to end: the same backlog drained by the real worker, run as a
//     child process so that its peak memory can be read;
//
// and, around them, what the targets of the pipeline are stated in: the cost
// of an irrelevant resource against a full parse, the latency from publish
// to status event at half of E, the cost of one event as a patient's history
// grows, the worker's peak RSS and the stored state per patient.
//
// It owns the measurements and the report. The workload comes from package
// workload (plus public sample files), the worker from package streams, and
// the command line (trialscout bench) from cmd/trialscout, which only wires
// a Config and prints the Report.
package bench
