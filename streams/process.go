package streams

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
)

// rejection is input that can never be read: it goes to the rejected stream.
type rejection struct {
	reasons []string
	partial bool // some resources of the message were read
}

func (r *rejection) Error() string { return strings.Join(r.reasons, "; ") }

// maxReasonBytes keeps the error header well inside NATS header limits.
const maxReasonBytes = 4096

// message is one fetched input message and what became of it.
type message struct {
	msg     jetstream.Msg
	trigger string     // "seq:<stream sequence>"
	rej     *rejection // what of it could not be read
	failed  error      // a transient failure: leave it for redelivery
}

// patientWork is what a batch holds for one patient, in stream order.
type patientWork struct {
	resources []facts.Resource
	trigger   string // the last message's: names the events it causes
	msgs      []*message
}

// process maps a batch of messages, applies each patient's facts from all
// of them with one read, one evaluation and one write of the record, and
// returns the messages with their outcome for settling.
func (w *Worker) process(ctx context.Context, msgs []jetstream.Msg, decide bool) []*message {
	batch := make([]*message, len(msgs))
	work := map[string]*patientWork{}
	var order []string
	for i, msg := range msgs {
		in := &message{msg: msg}
		batch[i] = in
		for _, p := range w.read(in) {
			pw := work[p.patient]
			if pw == nil {
				pw = &patientWork{}
				work[p.patient] = pw
				order = append(order, p.patient)
			}
			pw.resources = append(pw.resources, p.resources...)
			pw.trigger = in.trigger
			pw.msgs = append(pw.msgs, in)
		}
	}
	w.applyAll(ctx, order, work, decide)
	return batch
}

// applyAll applies each patient's work (and, when decide, makes the
// decisions and events it causes), Parallel patients at a time:
// patients are independent records, so their reads, writes and event
// publishes, each a round trip to a server that syncs to disk, overlap.
// A patient's own work stays in order, in one goroutine.
func (w *Worker) applyAll(ctx context.Context, order []string, work map[string]*patientWork, decide bool) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		slot = make(chan struct{}, w.cfg.Parallel)
	)
	for _, patient := range order {
		pw := work[patient]
		slot <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slot; wg.Done() }()
			if err := w.applyPatient(ctx, patient, pw.resources, pw.trigger, decide); err != nil {
				mu.Lock()
				for _, in := range pw.msgs {
					in.failed = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// patientFacts are one message's facts about one patient.
type patientFacts struct {
	patient   string
	resources []facts.Resource
}

// read checks and maps one message, recording a rejection or failure on it.
func (w *Worker) read(in *message) []patientFacts {
	meta, err := in.msg.Metadata()
	if err != nil {
		in.failed = fmt.Errorf("message metadata: %w", err)
		return nil
	}
	in.trigger = "seq:" + strconv.FormatUint(meta.Sequence.Stream, 10)
	if n := len(in.msg.Data()); n > w.cfg.MaxMessageBytes {
		if meta.NumDelivered <= 1 {
			w.metrics.rejected.WithLabelValues("too_large").Inc()
		}
		in.rej = &rejection{reasons: []string{fmt.Sprintf("%s: message of %d bytes is over the %d-byte limit", in.msg.Subject(), n, w.cfg.MaxMessageBytes)}}
		return nil
	}
	byPatient, rej := w.mapMessage(in.msg, meta.Sequence.Stream, meta.NumDelivered <= 1)
	in.rej = rej
	out := make([]patientFacts, 0, len(byPatient))
	for p, rs := range byPatient {
		out = append(out, patientFacts{p, rs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].patient < out[j].patient })
	return out
}

// mapMessage groups the message's facts by patient and collects rejections.
// Its resources and rejections are counted on the first delivery only.
func (w *Worker) mapMessage(msg jetstream.Msg, seq uint64, count bool) (map[string][]facts.Resource, *rejection) {
	m := w.metrics
	if !count {
		m = m.redelivered
	}
	byPatient := map[string][]facts.Resource{}
	var reasons []string
	read := 0
	pos := fhirmap.Position{File: msg.Subject(), Source: sourceOf(msg)}
	for i, r := range w.eng.Map(msg.Data(), pos) {
		if r.Fact != nil {
			r.Fact.SetArrival(facts.Arrival(seq, i))
		}
		switch {
		case r.Err != nil:
			reasons = append(reasons, r.Err.Error())
			m.rejected.WithLabelValues(reasonLabel(r.Err)).Inc()
		case r.Fact == nil:
			read++
			m.consumed.WithLabelValues(typeLabel(r.Type), "ignored").Inc()
		default:
			read++
			m.consumed.WithLabelValues(typeLabel(r.Type), "mapped").Inc()
			byPatient[r.Fact.Patient] = append(byPatient[r.Fact.Patient], *r.Fact)
		}
	}
	if len(reasons) == 0 {
		return byPatient, nil
	}
	return byPatient, &rejection{reasons: reasons, partial: read > 0}
}

// SourceHeader names the FHIR server a message's resources come from (its
// base URL), to which their relative references belong; absent, the local
// source (see package fhirmap, Sources).
const SourceHeader = "Trialscout-Source"

// sourceOf reads a message's source header.
func sourceOf(msg jetstream.Msg) string {
	if h := msg.Headers(); h != nil {
		return h.Get(SourceHeader)
	}
	return ""
}

var readTypes = map[string]bool{"Patient": true, "Observation": true, "Condition": true, "MedicationStatement": true,
	"MedicationRequest": true, "Immunization": true, "Procedure": true, "AllergyIntolerance": true, "Encounter": true, "Bundle": true, "Medication": true}

// typeLabel bounds the metric's label values: other types count as "other".
func typeLabel(t string) string {
	if readTypes[t] {
		return t
	}
	return "other"
}

func reasonLabel(err error) string {
	for _, s := range []struct {
		err   error
		label string
	}{{fhirmap.ErrNotJSON, "not_json"}, {fhirmap.ErrNotFHIR, "not_fhir"}, {fhirmap.ErrNoPatient, "no_patient"},
		{fhirmap.ErrTooLarge, "too_large"}, {fhirmap.ErrNoID, "no_id"}} {
		if errors.Is(err, s.err) {
			return s.label
		}
	}
	return "other"
}
