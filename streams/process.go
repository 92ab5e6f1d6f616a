package streams

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
	mu        *sync.Mutex // a message's outcome, shared by the patients it names
	resources []facts.Resource
	trigger   string // the last message's: names the events it causes
	msgs      []*message
}

// process maps a batch of messages, applies each patient's facts from all
// of them with one read, one evaluation and one write of the record, and
// returns the messages with their outcome for settling.
func (w *Worker) process(ctx context.Context, msgs []jetstream.Msg, decide bool) []*message {
	m := w.mapAll(msgs)
	w.applyAll(ctx, m, decide)
	return m.msgs
}

// mapped is a batch of messages read and grouped by patient, not applied.
type mapped struct {
	msgs  []*message
	work  map[string]*patientWork
	order []string // patients in the order the batch first names them
}

// mapAll reads the messages, several at once (each is read on its own),
// and groups their facts by patient, in stream order.
func (w *Worker) mapAll(msgs []jetstream.Msg) *mapped {
	m := &mapped{msgs: make([]*message, len(msgs)), work: map[string]*patientWork{}}
	read := make([][]patientFacts, len(msgs))
	each(len(msgs), runtime.GOMAXPROCS(0), func(i int) {
		m.msgs[i] = &message{msg: msgs[i]}
		read[i] = w.read(m.msgs[i])
	})
	mu := &sync.Mutex{}
	for i, in := range m.msgs {
		for _, p := range read[i] {
			pw := m.work[p.patient]
			if pw == nil {
				pw = &patientWork{mu: mu}
				m.work[p.patient] = pw
				m.order = append(m.order, p.patient)
			}
			pw.resources = append(pw.resources, p.resources...)
			pw.trigger = in.trigger
			pw.msgs = append(pw.msgs, in)
		}
	}
	return m
}

// applyAll applies each patient's work and, when decide, makes the
// decisions and events it causes. Patients are independent records: their
// work is applied Parallel patients at a time, then written together (one
// atomic batch for a backlog, group.go), then their events published.
// A patient's own work stays in order, in one goroutine.
func (w *Worker) applyAll(ctx context.Context, m *mapped, decide bool) {
	preps := make([]*prepared, len(m.order))
	each(len(m.order), w.cfg.Parallel, func(i int) {
		preps[i] = w.prepare(ctx, m.order[i], m.work[m.order[i]], decide)
	})
	var toWrite, noops []*prepared
	for _, p := range preps {
		switch {
		case p.err != nil:
			p.work.fail(p.err)
		case p.recs == nil:
			noops = append(noops, p)
		default:
			toWrite = append(toWrite, p)
		}
	}
	written, again := w.commitAll(ctx, toWrite)
	for _, p := range toWrite {
		if p.err != nil {
			p.work.fail(p.err)
		}
	}
	if len(again) > 0 {
		w.metrics.conflicts.Add(float64(len(again)))
	}
	done := append(written, noops...)
	for i, err := range w.written(ctx, done) {
		if err != nil {
			done[i].work.fail(err)
		}
	}
	each(len(again), w.cfg.Parallel, func(i int) {
		p := again[i]
		if err := w.applyPatient(ctx, p.patient, p.work, decide); err != nil {
			p.work.fail(err)
		}
	})
}

// each runs f(0..n-1), at most parallel at a time, and waits.
func each(n, parallel int, f func(i int)) {
	var (
		wg   sync.WaitGroup
		slot = make(chan struct{}, parallel)
	)
	for i := range n {
		slot <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slot; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

// fail marks the work's messages for redelivery.
func (pw *patientWork) fail(err error) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	for _, in := range pw.msgs {
		in.failed = err
	}
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
