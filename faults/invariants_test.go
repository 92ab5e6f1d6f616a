package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/trialscout/trialscout/streams"
)

// event is what the invariants read of a status-change event.
type event struct {
	ID             string `json:"id"`
	Trial          string `json:"trial"`
	Patient        string `json:"patient"`
	PreviousStatus string `json:"previous_status"`
	Status         string `json:"status"`
	Cause          string `json:"cause"`
	Evaluation     struct {
		Status string `json:"status"`
	} `json:"evaluation"`
}

// record is what the invariants read of a patient's stored state.
type record struct {
	status map[string]string // by trial
	outbox int
}

// pair names one patient's status for one trial.
type pair struct{ patient, trial string }

func (p pair) String() string { return p.patient + " " + p.trial }

// report is what a run's check counted.
type report struct {
	resources, patients, pairs, events int
	lost, duplicated, wrong            int
}

func (rep report) String() string {
	return fmt.Sprintf("resources=%d patients=%d statuses=%d events=%d lost=%d duplicated=%d wrong=%d",
		rep.resources, rep.patients, rep.pairs, rep.events, rep.lost, rep.duplicated, rep.wrong)
}

// check drains nothing: call it once the input is acknowledged. It reads
// eval's verdict, every event and every stored record, fails the test for
// each broken invariant, and returns the counts.
func (r *run) check() report {
	r.t.Helper()
	want := r.evalStatuses()
	evs := r.events()
	stored := r.records()
	rep := report{resources: len(r.input), pairs: len(want), events: len(evs)}
	patients := map[string]bool{}
	for p := range want {
		patients[p.patient] = true
	}
	rep.patients = len(patients)

	problems := &problemList{}
	// (c) no two events share an id.
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.ID] {
			rep.duplicated++
			problems.add("event id %s appears twice (%s)", e.ID, pair{e.Patient, e.Trial})
		}
		seen[e.ID] = true
	}
	// (b) each pair's events are its transitions, in stream order.
	byPair := map[pair][]event{}
	for _, e := range evs {
		p := pair{e.Patient, e.Trial}
		byPair[p] = append(byPair[p], e)
	}
	for p, chain := range byPair {
		for i, e := range chain {
			prev := ""
			if i > 0 {
				prev = chain[i-1].Status
			}
			switch {
			case e.PreviousStatus != prev && i == 0:
				rep.lost++
				problems.add("%s: first event comes from %q: an earlier event is missing", p, e.PreviousStatus)
			case e.PreviousStatus != prev:
				if e.PreviousStatus == chain[i-1].PreviousStatus && e.Status == prev {
					rep.duplicated++
					problems.add("%s: transition %s->%s published twice", p, e.PreviousStatus, e.Status)
				} else {
					rep.lost++
					problems.add("%s: event %d comes from %q but the one before ended in %q", p, i, e.PreviousStatus, prev)
				}
			case e.Status == e.PreviousStatus:
				rep.wrong++
				problems.add("%s: event %d changes nothing (%s)", p, i, e.Status)
			case e.Evaluation.Status != e.Status:
				rep.wrong++
				problems.add("%s: event %d says %s but carries an evaluation that says %s", p, i, e.Status, e.Evaluation.Status)
			}
		}
	}
	// (a) the final status equals eval's; and the stored state agrees.
	for p, status := range want {
		chain := byPair[p]
		if len(chain) == 0 {
			rep.lost++
			problems.add("%s: eval says %s, and no event was published", p, status)
			continue
		}
		if last := chain[len(chain)-1].Status; last != status {
			rep.wrong++
			problems.add("%s: eval says %s, the last event says %s", p, status, last)
		}
		if got := stored[p.patient].status[p.trial]; got != status {
			rep.wrong++
			problems.add("%s: eval says %s, the stored state says %q", p, status, got)
		}
	}
	for p := range byPair {
		if _, ok := want[p]; !ok {
			rep.wrong++
			problems.add("%s: events for a patient eval does not know", p)
		}
	}
	// Nothing is left unpublished.
	for patient, rec := range stored {
		if rec.outbox > 0 {
			rep.lost++
			problems.add("%s: %d events still in the outbox", patient, rec.outbox)
		}
	}
	if len(problems.list) > 0 {
		r.t.Errorf("%s\n%s", rep, problems)
	}
	return rep
}

// problemList keeps the first problems found, in a stable order.
type problemList struct{ list []string }

func (l *problemList) add(format string, args ...any) {
	l.list = append(l.list, fmt.Sprintf(format, args...))
}

func (l *problemList) String() string {
	sort.Strings(l.list)
	const show = 30
	if len(l.list) > show {
		return strings.Join(l.list[:show], "\n") + fmt.Sprintf("\n... and %d more", len(l.list)-show)
	}
	return strings.Join(l.list, "\n")
}

// evalStatuses runs `trialscout eval` over the workload at the run's
// instant: the statuses every worker must end in.
func (r *run) evalStatuses() map[pair]string {
	r.t.Helper()
	cmd := exec.CommandContext(r.ctx, binary, "eval", "--as-of", r.asOf.Format(time.RFC3339), r.file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		r.t.Fatalf("eval: %v\n%s", err, stderr.String())
	}
	want := map[pair]string{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var ev struct{ Trial, Patient, Status string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			r.t.Fatalf("eval output: %v", err)
		}
		want[pair{ev.Patient, ev.Trial}] = ev.Status
	}
	if len(want) == 0 {
		r.t.Fatal("eval printed no evaluations")
	}
	return want
}

// events reads the status events of the ELIGIBILITY stream in order.
func (r *run) events() []event {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
	defer cancel()
	stream, err := r.js.Stream(ctx, "ELIGIBILITY")
	if err != nil {
		r.t.Fatalf("event stream: %v", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	total := int(info.State.Msgs)
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		r.t.Fatal(err)
	}
	evs := make([]event, 0, total)
	for read := 0; read < total; {
		batch, err := cons.Fetch(min(1000, total-read), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			r.t.Fatalf("reading events: %v", err)
		}
		for msg := range batch.Messages() {
			if read++; !strings.HasPrefix(msg.Subject(), "eligibility.status.") {
				continue // the event again, as a FHIR ResearchSubject
			}
			var e event
			if err := json.Unmarshal(msg.Data(), &e); err != nil {
				r.t.Fatalf("event %s: %v", msg.Subject(), err)
			}
			if id := msg.Headers().Get(jetstream.MsgIDHeader); id != e.ID {
				r.t.Errorf("event %s has Nats-Msg-Id %q", e.ID, id)
			}
			evs = append(evs, e)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			r.t.Fatalf("reading events: %v", err)
		}
	}
	return evs
}

// records reads every patient's stored state.
func (r *run) records() map[string]record {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
	defer cancel()
	out := map[string]record{}
	err := streams.ReadStates(ctx, r.js, streams.Config{}, func(st *streams.State) error {
		rec := record{status: map[string]string{}, outbox: len(st.Outbox)}
		for id, se := range st.Evaluations {
			rec.status[id] = string(se.Evaluation.Status)
		}
		out[st.Patient] = rec
		return nil
	})
	if err != nil {
		r.t.Fatalf("state: %v", err)
	}
	return out
}
