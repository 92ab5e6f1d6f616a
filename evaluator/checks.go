package evaluator

import (
	"fmt"
	"sort"
	"strings"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// What CEL's type checker cannot check, checked when a trial compiles:
// that the literal arguments of rule functions name what the trial
// defines, and that thresholds convert to the unit they are compared in.
// Errors are worded for the analyst who wrote the trial file.

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
