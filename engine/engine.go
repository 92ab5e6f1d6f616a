package engine

import (
	"fmt"
	"io"
	"sort"
	"sync/atomic"
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

// Option changes how an Evaluator reads its input.
type Option func(*fhirmap.Options)

// WithSources says which FHIR server bases are one source, and which is the
// local one (fhirmap.Options.Sources).
func WithSources(sources map[string]string) Option {
	return func(o *fhirmap.Options) { o.Sources = sources }
}

// New compiles the trials and builds the mapper that recognises their concepts.
func New(trials []evaluator.Trial, opts ...Option) (*Evaluator, error) {
	progs, err := evaluator.CompileAll(trials)
	if err != nil {
		return nil, err
	}
	// Sorted once: evaluations come out in trial order.
	sort.Slice(progs, func(i, j int) bool { return progs[i].Trial().ID < progs[j].Trial().ID })
	vocab, err := evaluator.Relevance(progs...)
	if err != nil {
		return nil, fmt.Errorf("vocabulary: %w", err)
	}
	var mo fhirmap.Options
	for _, o := range opts {
		o(&mo)
	}
	m, err := fhirmap.New(vocab, mo)
	if err != nil {
		return nil, err
	}
	return &Evaluator{programs: progs, mapper: m}, nil
}

// Input is one named source of FHIR JSON or NDJSON.
type Input struct {
	Name string
	R    io.Reader
	// Source is the base URL of the FHIR server the input came from; ""
	// for the local source (fhirmap.Position.Source).
	Source string
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
// was mapped, ignored and rejected counted into out. Resources are applied
// in input order, which orders the versions that meta cannot (see
// facts.CompareVersions), exactly as the worker orders them by stream
// sequence.
func (e *Evaluator) Patients(inputs []Input, out *Outcome) map[string]*facts.Patient {
	return e.read(newPopulation(), inputs, out, nil)
}

// Progress counts what a run has read, for a progress display: the fields
// are updated as the run goes and may be read meanwhile.
type Progress struct {
	Inputs    atomic.Int64 // inputs read to their end
	Resources atomic.Int64 // resources read: mapped, ignored or rejected
	Patients  atomic.Int64 // patients found, once every input is read
	Evaluated atomic.Int64 // patients evaluated
}

// read applies every input to pop, as it is read, counting into p (when
// not nil).
func (e *Evaluator) read(pop *population, inputs []Input, out *Outcome, p *Progress) map[string]*facts.Patient {
	for _, in := range inputs {
		err := e.mapper.ReadInput(in.R, fhirmap.Position{File: in.Name, Source: in.Source}, func(r fhirmap.Result) {
			e.apply(pop, r, out)
			if p != nil {
				p.Resources.Add(1)
			}
		})
		if err != nil {
			out.Unreadable = append(out.Unreadable, fmt.Errorf("%s: %w", in.Name, err))
		}
		if p != nil {
			p.Inputs.Add(1)
		}
	}
	return pop.patients
}

func (e *Evaluator) apply(pop *population, r fhirmap.Result, out *Outcome) {
	switch {
	case r.Err != nil:
		out.Rejected = append(out.Rejected, r)
	case r.Fact == nil:
		out.Ignored++
	default:
		out.Mapped++
		pop.arrived++
		r.Fact.SetArrival(pop.arrived)
		pop.apply(*r.Fact)
	}
}

// Run reads the inputs and evaluates every patient found against every
// trial at asOf.
//
// Memory grows with the number of patients and with what the trials can
// read of them, plus some 25 bytes per resource read, rather than with the
// size of the input: observations older than every trial's window are
// pruned, and entries that hold nothing are taken out, as the input is read,
// with the same results as pruning at the end (population.go).
func (e *Evaluator) Run(inputs []Input, asOf time.Time) Outcome {
	return e.RunWithProgress(inputs, asOf, nil)
}

// RunWithProgress is Run, counting what it reads into p.
func (e *Evaluator) RunWithProgress(inputs []Input, asOf time.Time, p *Progress) Outcome {
	var out Outcome
	horizon := e.horizon(asOf)
	patients := e.read(newPrunedPopulation(horizon), inputs, &out, p)
	ids := make([]string, 0, len(patients))
	for id := range patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if p != nil {
		p.Patients.Store(int64(len(ids)))
	}
	for _, id := range ids {
		if p != nil {
			p.Evaluated.Add(1)
		}
		pt := patients[id]
		delete(patients, id) // evaluated patients are let go
		// Observations older than every window can decide nothing at asOf or
		// later: dropping them keeps evaluation cost flat in history length.
		_ = pt.PruneObservations(horizon)
		out.Evaluations = append(out.Evaluations, e.Evaluate(pt, asOf)...)
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

// Programs returns the compiled trials, sorted by id.
func (e *Evaluator) Programs() []*evaluator.Program { return e.programs }

// Fingerprints maps each trial's id to the fingerprint of its definition.
func (e *Evaluator) Fingerprints() map[string]string {
	out := make(map[string]string, len(e.programs))
	for _, p := range e.programs {
		out[p.Trial().ID] = p.Fingerprint()
	}
	return out
}
