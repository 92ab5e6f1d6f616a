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
)

// function is one member function of `patient` that rules may call.
type function struct {
	name  string
	doc   string
	args  []argKind
	needs []string // concepts it reads by fixed name
	impl  func(c *evalContext, a args) tri
}

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
	case argNumber:
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

func (f *function) declaration() cel.EnvOption {
	params := []*cel.Type{patientType}
	for _, k := range f.args {
		params = append(params, k.celType())
	}
	impl := f.impl
	binding := cel.FunctionBinding(func(vals ...ref.Val) ref.Val {
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
	return cel.Function(f.name, cel.MemberOverload("patient_"+f.name, params, cel.BoolType, binding))
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

// FunctionDoc documents one function rules may call.
type FunctionDoc struct {
	Signature string // "lab_at_least(concept, number)"
	Doc       string
}

var argNames = map[argKind]string{argConcept: "concept", argConcepts: "[concepts]", argSpan: "span",
	argNumber: "number", argString: "text", argBool: "rule"}

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
		args := make([]string, 0, len(f.args))
		for _, k := range f.args {
			args = append(args, argNames[k])
		}
		out = append(out, FunctionDoc{Signature: fmt.Sprintf("%s(%s)", n, strings.Join(args, ", ")), Doc: f.doc})
	}
	return out
}
