package evaluator

import (
	"reflect"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// tri is a three-valued truth: what every rule function returns.
type tri int8

const (
	no tri = iota
	yes
	unknown
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// finding is what one rule function looked at and concluded.
type finding struct {
	outcome  tri
	reason   string
	evidence []string
}

// patientType is the CEL type of the `patient` variable.
var patientType = types.NewOpaqueType("trialscout.Patient")

// evalContext is one pass over a trial's criteria at one instant: the
// facts, the time, and what the rule functions found for the criterion
// being decided. It is the runtime value of `patient`.
type evalContext struct {
	prog *Program
	p    *facts.Patient
	asOf time.Time
	idx  *index
	// quiet is set when only results are wanted (the validity checks):
	// functions then skip building reasons.
	quiet bool
	// vars is the CEL activation, made once per pass.
	vars map[string]any
	// exps caches the medication exposures at asOf, shared by the criteria
	// of one pass; nil until first asked for.
	exps     []*exposure
	findings []finding
	// next collects instants after asOf at which a function's answer could
	// change with no new data; valid_until is drawn from them.
	next []time.Time
}

func (c *evalContext) record(outcome tri, reason string, evidence ...string) tri {
	c.findings = append(c.findings, finding{outcome, reason, evidence})
	return outcome
}

// recordBy is record with a reason that costs something to write: why is
// called only when reasons are wanted, as validity checks need outcomes
// alone.
func (c *evalContext) recordBy(outcome tri, why func() string, evidence ...string) tri {
	reason := ""
	if !c.quiet {
		reason = why()
	}
	return c.record(outcome, reason, evidence...)
}

// changesAt notes a later instant at which some answer could change. One
// at or past farFuture (a birthday of someone born on 9999-12-31) is left
// out: no record or JSON can hold a time past the year 9999, and nothing
// waits that long.
func (c *evalContext) changesAt(t time.Time) {
	if t.After(c.asOf) && t.Before(farFuture) {
		c.next = append(c.next, t)
	}
}

// ref.Val, so that the context can be the value of a CEL variable.
func (c *evalContext) ConvertToNative(reflect.Type) (any, error) { return c, nil }
func (c *evalContext) ConvertToType(ref.Type) ref.Val            { return c }
func (c *evalContext) Equal(other ref.Val) ref.Val               { return types.Bool(other == c) }
func (c *evalContext) Type() ref.Type                            { return patientType }
func (c *evalContext) Value() any                                { return c }
