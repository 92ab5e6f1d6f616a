package evaluator

import (
	"reflect"
	"sort"
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

// evalContext is one evaluation of one criterion rule: the facts, the time,
// and what the rule functions found. It is the runtime value of `patient`.
type evalContext struct {
	prog *Program
	p    *facts.Patient
	asOf time.Time
	idx  *index
	// exps caches the medication exposures at asOf, shared by the criteria
	// of one evaluation.
	exps     *[]*exposure
	findings []finding
	// next collects instants after asOf at which a function's answer could
	// change with no new data; valid_until is drawn from them.
	next *[]time.Time
}

func (c *evalContext) record(outcome tri, reason string, evidence ...string) tri {
	c.findings = append(c.findings, finding{outcome, reason, evidence})
	return outcome
}

// changesAt notes a later instant at which some answer could change.
func (c *evalContext) changesAt(t time.Time) {
	if t.After(c.asOf) {
		*c.next = append(*c.next, t)
	}
}

// ref.Val, so that the context can be the value of a CEL variable.
func (c *evalContext) ConvertToNative(reflect.Type) (any, error) { return c, nil }
func (c *evalContext) ConvertToType(ref.Type) ref.Val            { return c }
func (c *evalContext) Equal(other ref.Val) ref.Val               { return types.Bool(other == c) }
func (c *evalContext) Type() ref.Type                            { return patientType }
func (c *evalContext) Value() any                                { return c }

// index groups the patient's usable observations by concept, newest first,
// once per evaluation.
type index struct {
	obs map[string][]*facts.Observation
}

var usableStatus = map[string]bool{"final": true, "amended": true, "corrected": true}

func newIndex(p *facts.Patient) *index {
	ix := &index{obs: map[string][]*facts.Observation{}}
	for _, o := range p.Observations {
		if !usableStatus[o.Status] || o.Effective.IsZero() {
			continue
		}
		for _, c := range o.Concepts {
			ix.obs[c] = append(ix.obs[c], o)
		}
	}
	for _, list := range ix.obs {
		sort.Slice(list, func(i, j int) bool { return newer(list[i], list[j]) })
	}
	return ix
}

// newer orders observations for "latest": effective time, then the later
// meta.lastUpdated, then the larger id.
func newer(a, b *facts.Observation) bool {
	if !a.Effective.Equal(b.Effective) {
		return a.Effective.After(b.Effective)
	}
	if !a.LastUpdated.Equal(b.LastUpdated) {
		return a.LastUpdated.After(b.LastUpdated)
	}
	return a.Ref > b.Ref
}
