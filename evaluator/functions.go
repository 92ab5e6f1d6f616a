package evaluator

import (
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// argKind says what a rule function's argument is, for CEL's declaration
// and for the checks CEL cannot make (concept names, spans).
type argKind int

const (
	argConcept  argKind = iota // a concept name literal
	argConcepts                // a list of concept name literals
	argSpan                    // a span literal or parameter name: "28d", "echo_window"
	argNumber                  // int or double
	argString                  // free text
	argBool                    // a sub-rule
	argQuantity                // a threshold: "1.5 10*9/L", or a plain number (see quantity.go)
	argLevel                   // a level of the ordinal concept in argument 0: "II"
	argSex                     // "female" or "male"
)

// function is one member function of `patient` that rules may call.
type function struct {
	name  string
	doc   string
	args  []argKind
	needs []string // concepts it reads by fixed name
	impl  func(c *evalContext, a args) tri
	// optional is how many of the last arguments a call may leave out.
	optional int
	// windowed: the last argument, a span, replaces the window of the
	// concept in argument 0 (the compiler widens what the index keeps).
	windowed bool
	// quantityIn says what unit its quantity arguments are compared in.
	quantityIn unitSource
	// everyResult: it reads every result of the concept in argument 0, so
	// that concept cannot be a derived one (which has a latest value only).
	everyResult bool
}

// unitSource says what unit a function's quantity arguments are in: the
// unit of the concept in argument 0, of a concept it reads by fixed name,
// or a fixed unit.
type unitSource struct {
	arg     bool
	concept string
	unit    string
}

var conceptArg = unitSource{arg: true}

func inConcept(name string) unitSource { return unitSource{concept: name} }
func inUnit(unit string) unitSource    { return unitSource{unit: unit} }

// args are a call's arguments, read by position.
type args []ref.Val

func (a args) str(i int) string { return string(a[i].(types.String)) }

func (a args) num(i int) float64 {
	switch v := a[i].(type) {
	case types.Int:
		return float64(v)
	case types.Double:
		return float64(v)
	case types.Uint:
		return float64(v)
	}
	return 0
}

func (a args) strs(i int) []string {
	l := a[i].(interface {
		Size() ref.Val
		Get(ref.Val) ref.Val
	})
	n := int(l.Size().(types.Int))
	out := make([]string, n)
	for j := range n {
		out[j] = string(l.Get(types.Int(j)).(types.String))
	}
	return out
}

func (a args) bool(i int) bool { return bool(a[i].(types.Bool)) }

// threshold is quantity argument i, compared in k's unit.
func (c *evalContext) threshold(a args, i int, k *compiledConcept) threshold {
	return c.thresholdFor(a, i, thresholdKey{concept: k.Name})
}

// thresholdIn is quantity argument i of a function with a fixed unit.
func (c *evalContext) thresholdIn(a args, i int, unit string) threshold {
	return c.thresholdFor(a, i, thresholdKey{unit: unit})
}

// thresholdFor reads a quantity argument: a literal string the compiler
// already converted, or a plain number.
func (c *evalContext) thresholdFor(a args, i int, key thresholdKey) threshold {
	if s, ok := a[i].(types.String); ok {
		key.text = string(s)
		return c.prog.thresholds[key]
	}
	x := a.num(i)
	return threshold{value: x, shown: num(x)}
}

// functions is every function rules may call, by name.
var functions = map[string]*function{}

func register(fns ...*function) {
	for _, f := range fns {
		functions[f.name] = f
	}
}

func (k argKind) celType() *cel.Type {
	switch k {
	case argConcepts:
		return cel.ListType(cel.StringType)
	case argNumber, argQuantity:
		return cel.DynType
	case argBool:
		return cel.BoolType
	}
	return cel.StringType
}

// newEnv declares `patient` and its member functions.
func newEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{cel.Variable("patient", patientType)}
	for _, f := range functions {
		opts = append(opts, f.declaration())
	}
	return cel.NewEnv(opts...)
}

// declaration declares the function with one overload per number of
// arguments it takes.
func (f *function) declaration() cel.EnvOption {
	var overloads []cel.FunctionOpt
	for n := len(f.args) - f.optional; n <= len(f.args); n++ {
		params := []*cel.Type{patientType}
		for _, k := range f.args[:n] {
			params = append(params, k.celType())
		}
		overloads = append(overloads, cel.MemberOverload(fmt.Sprintf("patient_%s_%d", f.name, n), params, cel.BoolType, f.binding()))
	}
	return cel.Function(f.name, overloads...)
}

func (f *function) binding() cel.OverloadOpt {
	impl := f.impl
	return cel.FunctionBinding(func(vals ...ref.Val) ref.Val {
		c, ok := vals[0].(*evalContext)
		if !ok {
			return types.NewErr("%s: receiver is not a patient", f.name)
		}
		for i, v := range vals[1:] {
			if f.args[i] == argNumber && v.Type() != types.IntType && v.Type() != types.DoubleType && v.Type() != types.UintType {
				return types.NewErr("%s: argument %d is %s, want a number", f.name, i+1, v.Type().TypeName())
			}
		}
		return toVal(impl(c, args(vals[1:])))
	})
}

// unknownVal is every function's unknown. CEL never changes an Unknown
// (merging makes a new one), so one value serves all evaluations.
var unknownVal = types.NewUnknown(0, nil)

func toVal(t tri) ref.Val {
	switch t {
	case yes:
		return types.True
	case no:
		return types.False
	}
	return unknownVal
}

// signature writes the function as the README lists it, optional
// arguments in brackets: "lab_at_least(concept, quantity[, span])".
func (f *function) signature() string {
	var b strings.Builder
	b.WriteString(f.name + "(")
	for i, k := range f.args {
		sep := ", "
		if i == 0 {
			sep = ""
		}
		if i == len(f.args)-f.optional {
			b.WriteString("[")
		}
		b.WriteString(sep + argNames[k])
	}
	b.WriteString(strings.Repeat("]", f.optional) + ")")
	return b.String()
}

// FunctionDoc documents one function rules may call.
type FunctionDoc struct {
	Signature string // "lab_at_least(concept, number)"
	Doc       string
}

var argNames = map[argKind]string{argConcept: "concept", argConcepts: "[concepts]", argSpan: "span",
	argNumber: "number", argString: "text", argBool: "rule", argQuantity: "quantity", argLevel: "level", argSex: "sex"}

// Functions lists the functions rules may call, by name, for documentation.
func Functions() []FunctionDoc {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]FunctionDoc, 0, len(names))
	for _, n := range names {
		f := functions[n]
		out = append(out, FunctionDoc{Signature: f.signature(), Doc: f.doc})
	}
	return out
}
