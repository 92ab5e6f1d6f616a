package evaluator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"cel.dev/cel-go/cel"

	"github.com/trialscout/trialscout/evaluator/facts"
	"github.com/trialscout/trialscout/ucum"
)

// Program is a compiled trial, ready to evaluate patients. It is safe for
// concurrent use.
type Program struct {
	trial    Trial
	concepts map[string]*compiledConcept
	// slots lists the concepts by their slot, for per-concept tables.
	slots []*compiledConcept
	rules []compiledRule
	// horizon is the longest window any concept reads: older observations
	// can never matter again.
	horizon Span
	// thresholds are the quantity arguments of the rules, converted.
	thresholds map[thresholdKey]threshold
	// vocab is the trial's own vocabulary: its concepts mean what this
	// trial says, whatever other trials call by the same names.
	vocab       *facts.Vocabulary
	fingerprint string
}

type compiledConcept struct {
	Concept
	slot   int // its index in Program.slots
	window Span
	// reach is the longest span any rule reads the concept's results over
	// (its window, or a span given in a call); nil when unlimited.
	reach *Span
	// dimensionless: a result without a unit is read as in Unit.
	dimensionless bool
	// negative and positive are the coded answers that decide a
	// qualitative result: the trial's, then the concept's own.
	negative, positive []facts.Coding
}

type compiledRule struct {
	Criterion
	prg cel.Program // nil for review criteria
}

// TrialError is one problem of a trial file, with where it is.
type TrialError struct {
	Source string
	Line   int
	Column int
	Msg    string
}

func (e *TrialError) Error() string {
	pos := e.Source
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", pos, e.Line)
		if e.Column > 0 {
			pos = fmt.Sprintf("%s:%d", pos, e.Column)
		}
	}
	return pos + ": " + e.Msg
}

// CompileAll compiles each trial, in order; the first error stops it.
func CompileAll(trials []Trial) ([]*Program, error) {
	progs := make([]*Program, 0, len(trials))
	for _, t := range trials {
		p, err := Compile(t)
		if err != nil {
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

// Compile checks a trial definition and compiles its rules. It reports every
// problem it finds (joined with errors.Join), each a *TrialError.
func Compile(t Trial) (*Program, error) {
	c := &compiler{trial: t, prog: &Program{trial: t, concepts: map[string]*compiledConcept{},
		thresholds: map[thresholdKey]threshold{}}}
	c.checkHeader()
	c.compileConcepts()
	c.compileCriteria()
	c.prog.horizon = horizonOf(c.prog.slots)
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	c.prog.fingerprint = fingerprint(t)
	return c.prog, nil
}

type compiler struct {
	trial Trial
	prog  *Program
	errs  []error
}

func (c *compiler) fail(line, col int, format string, args ...any) {
	c.errs = append(c.errs, &TrialError{c.trial.Source, line, col, fmt.Sprintf(format, args...)})
}

func (c *compiler) checkHeader() {
	if c.trial.ID == "" {
		c.fail(0, 0, "trial has no id")
	}
	if len(c.trial.Criteria) == 0 {
		c.fail(0, 0, "trial %q has no criteria", c.trial.ID)
	}
	for name, v := range c.trial.Parameters {
		if _, err := ParseSpan(v); err != nil {
			c.fail(0, 0, "parameter %s: %v", name, err)
		}
	}
}

func (c *compiler) compileConcepts() {
	var specs []facts.ConceptSpec
	for _, k := range c.trial.Concepts {
		if _, dup := c.prog.concepts[k.Name]; dup {
			c.fail(k.Line, 0, "concept %q is defined twice", k.Name)
			continue
		}
		cc := &compiledConcept{Concept: k, dimensionless: ucum.Dimensionless(k.Unit),
			negative: append(append([]facts.Coding{}, c.trial.Negative...), k.NegativeCodes...),
			positive: append(append([]facts.Coding{}, c.trial.Positive...), k.PositiveCodes...)}
		if k.Window != "" {
			w, err := c.resolveSpan(k.Window)
			if err != nil {
				c.fail(k.Line, 0, "concept %s: window: %v", k.Name, err)
			}
			cc.window = w
			cc.reach = cc.windowSpan()
		}
		if k.Title == "" {
			cc.Title = k.Name
		}
		cc.slot = len(c.prog.slots)
		c.prog.concepts[k.Name] = cc
		c.prog.slots = append(c.prog.slots, cc)
		specs = append(specs, k.spec())
	}
	vocab, err := facts.NewVocabulary(specs)
	if err != nil {
		c.fail(0, 0, "concepts: %v", err)
	}
	c.prog.vocab = vocab
	for _, k := range c.prog.slots {
		c.checkUnits(k)
		c.checkOrdinal(k)
		c.checkDerive(k)
	}
}

// widen makes k's reach cover the span s (a span a rule reads it over).
func (k *compiledConcept) widen(s Span) {
	switch {
	case k.Window == "" || k.reach == nil:
		// unlimited already
	case s.Ever():
		k.reach = nil
	case s.After(epoch).After(k.reach.After(epoch)):
		k.reach = &s
	}
}

// horizonOf is the longest reach of any concept with a limited one.
func horizonOf(concepts []*compiledConcept) Span {
	var h Span
	for _, k := range concepts {
		if k.reach != nil && k.reach.After(epoch).After(h.After(epoch)) {
			h = *k.reach
		}
	}
	return h
}

// resolveSpan reads a parameter name or a literal span.
func (c *compiler) resolveSpan(s string) (Span, error) {
	if v, ok := c.trial.Parameters[s]; ok {
		return ParseSpan(v)
	}
	return ParseSpan(s)
}

func (c *compiler) compileCriteria() {
	env, err := newEnv()
	if err != nil {
		c.fail(0, 0, "rule environment: %v", err)
		return
	}
	seen := map[string]bool{}
	for _, cr := range c.trial.Criteria {
		if seen[cr.ID] {
			c.fail(cr.Line, 0, "criterion %q is defined twice", cr.ID)
		}
		seen[cr.ID] = true
		if cr.Kind != Inclusion && cr.Kind != Exclusion {
			c.fail(cr.Line, 0, "criterion %s: kind %q: want inclusion or exclusion", cr.ID, cr.Kind)
		}
		c.prog.rules = append(c.prog.rules, compiledRule{Criterion: cr, prg: c.compileRule(env, cr)})
	}
}

func (c *compiler) compileRule(env *cel.Env, cr Criterion) cel.Program {
	switch {
	case (cr.Rule == "") == (cr.Review == ""):
		c.fail(cr.Line, 0, "criterion %s: give exactly one of rule and review", cr.ID)
		return nil
	case cr.Review != "":
		return nil
	}
	ast, iss := env.Compile(cr.Rule)
	if iss.Err() != nil {
		for _, e := range iss.Errors() {
			c.fail(cr.RuleLine+e.Location.Line()-1, cr.RuleColumn+e.Location.Column(), "criterion %s: %s", cr.ID, celMessage(e.Message))
		}
		return nil
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		c.fail(cr.RuleLine, 0, "criterion %s: rule gives %s, want bool", cr.ID, ast.OutputType())
		return nil
	}
	if !c.checkCalls(cr, ast.NativeRep()) {
		return nil
	}
	prg, err := env.Program(ast)
	if err != nil {
		c.fail(cr.RuleLine, 0, "criterion %s: %v", cr.ID, err)
		return nil
	}
	return prg
}

func (c *compiler) conceptNames() []string {
	var names []string
	for n := range c.prog.concepts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// spec is what the vocabulary matches for the concept: its codes (and its
// ordinal levels' codes, so that a finding recorded as a Condition is read),
// names and includes.
func (k Concept) spec() facts.ConceptSpec {
	codes := k.Codes
	for _, l := range k.Ordinal {
		codes = append(slices.Clone(codes), l.Codes...)
	}
	return facts.ConceptSpec{Name: k.Name, Codes: codes, Names: k.Names, Includes: k.Includes, Ingredient: k.Ingredient}
}

// Trial returns the definition the program was compiled from.
func (p *Program) Trial() Trial { return p.trial }

// Horizon is the longest window (or span in a call) over which the trial
// reads test results: observations effective before asOf minus it can
// never change an evaluation at or after asOf.
func (p *Program) Horizon() Span { return p.horizon }

// Relevance builds the vocabulary fhirmap needs to tell whether any of the
// given trials reads a resource. Each trial's concepts stay its own (named
// "trial/concept"): two trials' concepts of one name never merge.
func Relevance(progs ...*Program) (*facts.Vocabulary, error) {
	var specs []facts.ConceptSpec
	for _, p := range progs {
		qualify := func(name string) string { return p.trial.ID + "/" + name }
		for _, k := range p.trial.Concepts {
			s := k.spec()
			s.Name = qualify(k.Name)
			s.Includes = nil
			for _, inc := range k.Includes {
				s.Includes = append(s.Includes, qualify(inc))
			}
			specs = append(specs, s)
		}
	}
	return facts.NewVocabulary(specs)
}

// Fingerprint identifies what the trial decides: a hash of its definition
// (criteria, rules, concepts, windows, parameters), without where in its
// file each part was written. Two loads of one unchanged trial have the
// same fingerprint; any change that could change a decision gives another.
func (p *Program) Fingerprint() string { return p.fingerprint }

func fingerprint(t Trial) string {
	t.Source = ""
	t.Concepts = slices.Clone(t.Concepts)
	for i := range t.Concepts {
		t.Concepts[i].Line = 0
	}
	t.Criteria = slices.Clone(t.Criteria)
	for i := range t.Criteria {
		t.Criteria[i].Line, t.Criteria[i].RuleLine, t.Criteria[i].RuleColumn = 0, 0, 0
	}
	data, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("trial %s: %v", t.ID, err)) // plain data always marshals
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12])
}
