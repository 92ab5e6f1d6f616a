package streams

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestOperationsLogLines: one info line per rejected resource (its type
// and id, subject, stream sequence and the kind of reason, no values), the
// reason's text only at debug; one info line per status change with ids
// only.
func TestOperationsLogLines(t *testing.T) {
	e := startNATS(t)
	core, logs := observer.New(zapcore.DebugLevel)
	clk := &clock{t: scenarioAsOf}
	_, stop := e.startWorker(t, Config{}, WithClock(clk.Now), WithLogger(zap.New(core)))
	const badBirth = "1961-02-30"
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[` +
		`{"resource":{"resourceType":"Patient","id":"b1","gender":"male","birthDate":"1970-01-01"}},` +
		`{"resource":{"resourceType":"Condition","id":"c2","code":{"text":"x"}}}]}`
	inputs := []struct{ subject, body, ref, entry, reason string }{
		{"fhir.r4.Observation", `{"resourceType":"Observation","id":"t1","status":"fin`, "", "", "not_json"},
		{"fhir.r4.Condition", `{"resourceType":"Condition","id":"c1","code":{"text":"x"}}`, "Condition/c1", "", "no_patient"},
		{"fhir.r4.Patient", `{"resourceType":"Patient","id":"x","birthDate":"` + badBirth + `"}`, "Patient/x", "", "not_fhir"},
		{"fhir.r4.Bundle", bundle, "Condition/c2", "entry[1]", "no_patient"},
	}
	seqs := map[uint64]int{}
	for i, in := range inputs {
		ack, err := e.js.Publish(context.Background(), in.subject, []byte(in.body))
		if err != nil {
			t.Fatal(err)
		}
		seqs[ack.Sequence] = i
	}
	e.publishFiles(t, samplePatients(t)[0])
	e.drain(t, Config{})
	stop()

	rejections := logs.FilterMessage("input rejected").FilterLevelExact(zapcore.InfoLevel).All()
	if len(rejections) != len(inputs) {
		t.Fatalf("%d info lines for rejections, want %d", len(rejections), len(inputs))
	}
	for _, l := range rejections {
		f := l.ContextMap()
		seq, _ := f["stream_seq"].(uint64)
		i, ok := seqs[seq]
		if !ok {
			t.Errorf("rejection line %v names stream sequence %v", f, f["stream_seq"])
			continue
		}
		in := inputs[i]
		if f["resource"] != in.ref || f["entry"] != in.entry || f["subject"] != in.subject || f["reason"] != in.reason {
			t.Errorf("rejection line %v, want resource %q entry %q subject %s reason %s", f, in.ref, in.entry, in.subject, in.reason)
		}
	}
	for _, l := range logs.FilterLevelExact(zapcore.InfoLevel).All() {
		if line := fmt.Sprint(l.Message, l.ContextMap()); strings.Contains(line, badBirth) {
			t.Errorf("info line shows an input value: %s", line)
		}
	}
	debug := logs.FilterMessage("input rejected").FilterLevelExact(zapcore.DebugLevel).All()
	if len(debug) != len(inputs) || !strings.Contains(fmt.Sprint(debug[2].ContextMap()["reason"]), "not FHIR R4") {
		t.Errorf("%d debug lines with the reasons' text: %v", len(debug), debug)
	}
	if n := logs.FilterMessage("message handled").Len(); n < len(inputs) {
		t.Errorf("%d debug lines for messages handled, want one per message", n)
	}

	changes := logs.FilterMessage("status changed").All()
	evs := e.events(t)
	if len(evs) == 0 || len(changes) != len(evs) {
		t.Fatalf("%d status-change lines for %d events", len(changes), len(evs))
	}
	ids := map[string]bool{}
	for _, ev := range evs {
		ids[ev.ID] = true
	}
	for _, l := range changes {
		f := l.ContextMap()
		if !ids[fmt.Sprint(f["event_id"])] || f["trial"] == "" || f["patient_key"] == "" || f["status"] == "" || len(f) != 5 {
			t.Errorf("status-change line %v: want trial, patient_key, previous_status, status and event_id only", f)
		}
	}
}

// TestRejectedCopyHeadersBounded: the rejected copy of input on a subject
// of thousands of characters, and of input whose reason quotes CR and LF,
// has one-line headers within their bounds, and no header the input made.
func TestRejectedCopyHeadersBounded(t *testing.T) {
	e := startNATS(t)
	e.startWorker(t, Config{}, WithClock((&clock{t: scenarioAsOf}).Now))
	ctx := context.Background()
	long := "fhir.r4." + strings.Repeat("Observation", 300)
	if _, err := e.js.Publish(ctx, long, []byte(`{"resourceType":"Observation","id":"t1","status":"fin`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Publish(ctx, "fhir.r4.Patient", []byte(`{"resourceType":"Pat\r\nX-Injected: yes","id":"a"}`)); err != nil {
		t.Fatal(err)
	}
	e.publishFiles(t, samplePatients(t)[0])
	e.drain(t, Config{})
	copies := readAll(t, e.js, "REJECTED", "", func(m jetstream.Msg) jetstream.Msg { return m })
	if len(copies) != 2 {
		t.Fatalf("%d rejected copies, want 2", len(copies))
	}
	for _, m := range copies {
		h := m.Headers()
		if h.Get("X-Injected") != "" {
			t.Errorf("the input added a header to its copy: %v", h)
		}
		for name, limit := range map[string]int{ErrorHeader: maxErrorHeader, SubjectHeader: maxSubjectHeader} {
			v := h.Get(name)
			if v == "" || len(v) > limit || strings.ContainsAny(v, "\r\n") || !utf8.ValidString(v) {
				t.Errorf("%s: %d bytes %q, want one line of at most %d", name, len(v), bounded(v, 80), limit)
			}
		}
	}
	if len(e.events(t)) == 0 {
		t.Error("the good patient after the bad input produced no event")
	}
}

func TestHeaderValue(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\r\nb\tc\x00d", 20, "a  b c d"},
		{"0123456789abc", 10, "0123456..."},
		{"ééééé", 8, "éé..."}, // never half a character
		{"bad \xff byte", 20, "bad \uFFFD byte"},
	}
	for _, c := range cases {
		got := headerValue(c.in, c.max)
		if got != c.want || len(got) > c.max {
			t.Errorf("headerValue(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestRejectionCategory(t *testing.T) {
	cases := []struct{ reason, category, ref, entry string }{
		{"fhir.r4.Observation: not JSON: unexpected end", "not_json", "", ""},
		{"fhir.r4.Condition (Condition/c1): no patient reference: no subject", "no_patient", "Condition/c1", ""},
		{"fhir.r4.Bundle entry[3].resource.entry[0] (Observation/o.1): not FHIR R4: bad", "not_fhir", "Observation/o.1", "entry[3].resource.entry[0]"},
		{"fhir.r4.Patient: message of 9000 bytes is over the 4096-byte limit", "too_large", "", ""},
		{"fhir.r4.Patient (Patient/has space): no id: x", "no_id", "", ""},
		{"fhir.r4.Patient (Patient/p): something new", "other", "Patient/p", ""},
	}
	for _, c := range cases {
		subject, _, _ := strings.Cut(c.reason, " ")
		subject = strings.TrimSuffix(subject, ":")
		ref, entry := rejectedResource(subject, c.reason)
		if got := rejectionCategory(c.reason); got != c.category || ref != c.ref || entry != c.entry {
			t.Errorf("%q: category %s, resource %q, entry %q; want %s, %q, %q", c.reason, got, ref, entry, c.category, c.ref, c.entry)
		}
	}
}
