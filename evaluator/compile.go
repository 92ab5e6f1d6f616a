package evaluator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

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

// celMessage rewords what CEL says of a misspelt name for a trial's author.
func celMessage(msg string) string {
	rest, ok := strings.CutPrefix(msg, "undeclared reference to '")
	name, _, found := strings.Cut(rest, "'")
	if !ok || !found {
		return msg
	}
	known := []string{"patient"}
	for n := range functions {
		known = append(known, n)
	}
	sort.Strings(known)
	if best := closest(name, known); best != "" {
		return fmt.Sprintf("%s is not a rule function (did you mean %s?)", name, best)
	}
	return name + " is not a rule function (the README lists them under \"Trials are data\")"
}

// checkCalls verifies what CEL's type checker cannot: that concept, span,
// level and sex arguments are literals naming what the trial defines, that
// thresholds convert to the unit they are compared in (and are kept,
// converted, for evaluation), and that the concepts a domain function reads
// exist.
func (c *compiler) checkCalls(cr Criterion, a *celast.AST) bool {
	ok := true
	at := func(id int64) (int, int) {
		loc := a.SourceInfo().GetStartLocation(id)
		return cr.RuleLine + loc.Line() - 1, cr.RuleColumn + loc.Column()
	}
	for _, call := range celast.MatchDescendants(celast.NavigateAST(a), celast.KindMatcher(celast.CallKind)) {
		fn, known := functions[call.AsCall().FunctionName()]
		if !known {
			continue
		}
		line, col := at(call.ID())
		for _, need := range fn.needs {
			if c.prog.concepts[need] == nil {
				c.fail(line, col, "criterion %s: %s reads concept %q, which the trial does not define", cr.ID, fn.name, need)
				ok = false
			}
		}
		args := call.AsCall().Args()
		for i := range args {
			if err := c.checkArg(fn, args, i); err != nil {
				line, col := at(args[i].ID())
				c.fail(line, col, "criterion %s: %s: %v", cr.ID, fn.name, err)
				ok = false
			}
		}
	}
	return ok
}

// checkArg checks argument i of a call of fn.
func (c *compiler) checkArg(fn *function, args []celast.Expr, i int) error {
	if i >= len(fn.args) {
		return nil
	}
	switch kind := fn.args[i]; kind {
	case argConcept, argConcepts, argSpan, argLevel, argSex:
		lits, err := stringLiterals(args[i], i)
		if err != nil {
			return err
		}
		for _, s := range lits {
			if err := c.checkLiteral(fn, kind, args, s); err != nil {
				return err
			}
		}
		if kind == argSpan && fn.windowed && i == len(fn.args)-1 {
			c.widenArg(args[0], lits[0])
		}
	case argQuantity:
		return c.checkQuantity(fn, args, i)
	}
	return nil
}

// stringLiterals reads a string literal, or a list of them.
func stringLiterals(arg celast.Expr, i int) ([]string, error) {
	var lits []celast.Expr
	switch arg.Kind() {
	case celast.LiteralKind:
		lits = []celast.Expr{arg}
	case celast.ListKind:
		lits = arg.AsList().Elements()
	}
	if len(lits) == 0 {
		return nil, fmt.Errorf("argument %d must be written out in quotes, not computed", i+1)
	}
	out := make([]string, 0, len(lits))
	for _, l := range lits {
		s, isStr := l.AsLiteral().(types.String)
		if l.Kind() != celast.LiteralKind || !isStr {
			return nil, fmt.Errorf("argument %d must be text in quotes", i+1)
		}
		out = append(out, string(s))
	}
	return out, nil
}

func (c *compiler) checkLiteral(fn *function, kind argKind, args []celast.Expr, s string) error {
	switch kind {
	case argSpan:
		_, err := c.resolveSpan(s)
		return err
	case argSex:
		if s != "female" && s != "male" {
			return fmt.Errorf("sex %q: write \"female\" or \"male\"", s)
		}
		return nil
	case argLevel:
		return c.checkLevel(c.conceptArg(args), s)
	}
	k := c.prog.concepts[s]
	switch {
	case k == nil:
		return fmt.Errorf("unknown concept %q %s", s, suggestion(s, c.conceptNames()))
	case fn.everyResult && k.Derive != "":
		return fmt.Errorf("%s reads every result, but %s is derived (derive: %s) and has a latest value only: use a lab_ function", fn.name, s, k.Derive)
	}
	return nil
}

// conceptArg is the concept a call names in its first argument; nil when
// it names none the trial defines (that argument's own error says so).
func (c *compiler) conceptArg(args []celast.Expr) *compiledConcept {
	if len(args) == 0 || args[0].Kind() != celast.LiteralKind {
		return nil
	}
	s, ok := args[0].AsLiteral().(types.String)
	if !ok {
		return nil
	}
	return c.prog.concepts[string(s)]
}

// widenArg widens the reach of the concept in the first argument to a span
// a call reads it over.
func (c *compiler) widenArg(arg celast.Expr, span string) {
	k := c.conceptArg([]celast.Expr{arg})
	if s, err := c.resolveSpan(span); err == nil && k != nil {
		k.widen(s)
	}
}

// checkQuantity reads a threshold, converts it to the unit it is compared
// in and keeps it for evaluation.
func (c *compiler) checkQuantity(fn *function, args []celast.Expr, i int) error {
	arg := args[i]
	if arg.Kind() != celast.LiteralKind {
		return fmt.Errorf("argument %d must be a number or a quantity in quotes (\"1.5 10*9/L\"), not computed", i+1)
	}
	key := thresholdKey{unit: fn.quantityIn.unit}
	var k *compiledConcept
	switch {
	case fn.quantityIn.arg:
		if k = c.conceptArg(args); k == nil {
			return nil
		}
	case fn.quantityIn.concept != "":
		if k = c.prog.concepts[fn.quantityIn.concept]; k == nil {
			return nil
		}
	}
	var lit literal
	switch v := arg.AsLiteral().(type) {
	case types.String:
		var err error
		if lit, err = parseLiteral(string(v)); err != nil {
			return err
		}
		key.text = string(v)
	case types.Int:
		lit.value = float64(v)
	case types.Uint:
		lit.value = float64(v)
	case types.Double:
		lit.value = float64(v)
	default:
		return fmt.Errorf("argument %d must be a number or a quantity in quotes (\"1.5 10*9/L\")", i+1)
	}
	if k != nil {
		key.concept = k.Name
	}
	t, err := resolveThreshold(lit, key.text, k, fn.quantityIn.unit)
	if err != nil {
		return err
	}
	if key.text != "" {
		c.prog.thresholds[key] = t
	}
	return nil
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

// Horizon is the longest window the trial reads: observations effective
// before asOf minus it can never change an evaluation at or after asOf.
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
