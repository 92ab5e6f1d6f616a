package engine

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/fhirmap"
)

// Evaluator holds compiled trials and the mapper that recognises their
// concepts. It is safe for concurrent use.
type Evaluator struct {
	programs []*evaluator.Program
	mapper   *fhirmap.Mapper
}

// New compiles the trials and builds the mapper that recognises their concepts.
func New(trials []evaluator.Trial) (*Evaluator, error) {
	progs, err := evaluator.CompileAll(trials)
	if err != nil {
		return nil, err
	}
	// Sorted once: evaluations come out in trial order.
	sort.Slice(progs, func(i, j int) bool { return progs[i].Trial().ID < progs[j].Trial().ID })
	vocab, err := evaluator.Vocabulary(progs...)
	if err != nil {
		return nil, fmt.Errorf("vocabulary: %w", err)
	}
	m, err := fhirmap.New(vocab, fhirmap.Options{})
	if err != nil {
		return nil, err
	}
	return &Evaluator{programs: progs, mapper: m}, nil
}

// Input is one named source of FHIR JSON or NDJSON.
type Input struct {
	Name string
	R    io.Reader
}

// Outcome is what a run produced.
type Outcome struct {
	// Evaluations are sorted by patient, then trial.
	Evaluations []evaluator.Evaluation
	// Rejected are the resources that could not be read, in input order.
	Rejected []fhirmap.Result
	// Unreadable are inputs of which nothing at all could be read.
	Unreadable []error
	Mapped     int
	Ignored    int
}

// Patients reads every input and returns each patient's facts, with what
// was mapped, ignored and rejected counted into out.
func (e *Evaluator) Patients(inputs []Input, out *Outcome) map[string]*facts.Patient {
	patients := map[string]*facts.Patient{}
	for _, in := range inputs {
		results, err := e.mapper.Read(in.R, in.Name)
		if err != nil {
			out.Unreadable = append(out.Unreadable, fmt.Errorf("%s: %w", in.Name, err))
			continue
		}
		for _, r := range results {
			e.apply(patients, r, out)
		}
	}
	return patients
}

func (e *Evaluator) apply(patients map[string]*facts.Patient, r fhirmap.Result, out *Outcome) {
	switch {
	case r.Err != nil:
		out.Rejected = append(out.Rejected, r)
	case r.Fact == nil:
		out.Ignored++
	default:
		out.Mapped++
		p := patients[r.Fact.Patient]
		if p == nil {
			p = facts.NewPatient(r.Fact.Patient)
			patients[r.Fact.Patient] = p
		}
		p.Apply(*r.Fact)
	}
}

// Run reads the inputs and evaluates every patient found against every
// trial at asOf.
func (e *Evaluator) Run(inputs []Input, asOf time.Time) Outcome {
	var out Outcome
	patients := e.Patients(inputs, &out)
	ids := make([]string, 0, len(patients))
	for id := range patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	horizon := e.horizon(asOf)
	for _, id := range ids {
		// Observations older than every window can decide nothing at asOf or
		// later: dropping them keeps evaluation cost flat in history length.
		patients[id].PruneObservations(horizon)
		out.Evaluations = append(out.Evaluations, e.Evaluate(patients[id], asOf)...)
	}
	return out
}

// horizon is the earliest effective time any trial could read at asOf.
func (e *Evaluator) horizon(asOf time.Time) time.Time {
	h := asOf
	for _, p := range e.programs {
		if t := p.Horizon().Before(asOf); t.Before(h) {
			h = t
		}
	}
	return h
}

// Map reads one JSON document (a resource or a Bundle) into facts.
func (e *Evaluator) Map(data []byte, pos fhirmap.Position) []fhirmap.Result {
	return e.mapper.Map(data, pos)
}

// Evaluate decides every trial for one patient at asOf, sorted by trial id.
func (e *Evaluator) Evaluate(p *facts.Patient, asOf time.Time) []evaluator.Evaluation {
	out := make([]evaluator.Evaluation, 0, len(e.programs))
	for _, prog := range e.programs {
		out = append(out, prog.Evaluate(p, asOf))
	}
	return out
}

// Horizon is the earliest effective time any trial could read at asOf:
// observations before it can be pruned.
func (e *Evaluator) Horizon(asOf time.Time) time.Time { return e.horizon(asOf) }
