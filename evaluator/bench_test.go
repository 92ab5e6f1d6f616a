package evaluator_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// withHistory is BASE plus n older resources of the kinds a long-followed
// patient accumulates: daily SpO2 and weight, monthly labs, going back in
// time from the screening window. Facts are applied through the store and
// pruned at the program's horizon, as the worker keeps them.
func withHistory(t testing.TB, n int) *facts.Patient {
	b := base()
	concepts := []string{"spo2", "body-weight", "anc", "hemoglobin", "platelets", "creatinine"}
	for i := range n {
		at := daysBefore(29 + float64(i)/4)
		c := concepts[i%len(concepts)]
		b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Observation: &facts.Observation{
			Meta: facts.Meta{Ref: fmt.Sprintf("Observation/h%d", i)}, Codes: codes(c), Status: "final", Effective: at,
			Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 97, Unit: "%"}}}})
	}
	b.p.PruneObservations(program(t).Horizon().Before(asOf))
	return b.p
}

func BenchmarkEvaluate(b *testing.B) {
	prog := program(b)
	for _, n := range []int{10, 10_000} {
		p := withHistory(b, n)
		b.Run(fmt.Sprintf("history=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(p.Size()), "facts")
			for b.Loop() {
				prog.Evaluate(p, asOf)
			}
		})
	}
}

// BenchmarkApplyEvaluate is the worker's per-event cost in the engine: one
// new lab applied to a patient with a long history, then a full evaluation.
func BenchmarkApplyEvaluate(b *testing.B) {
	prog := program(b)
	for _, n := range []int{10, 10_000} {
		p := withHistory(b, n)
		b.Run(fmt.Sprintf("history=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				p.Apply(facts.Resource{Patient: p.ID, Relevant: true, Observation: &facts.Observation{
					Meta: facts.Meta{Ref: "Observation/new", VersionID: fmt.Sprint(i)}, Codes: codes("anc"), Status: "final",
					Effective: daysBefore(1), Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 2 + float64(i%2), Unit: "10*9/L"}}}})
				prog.Evaluate(p, asOf.Add(time.Duration(i)))
			}
		})
	}
}

// TestHistoryIsBounded: ten thousand older resources leave the store no
// bigger than the windows need, which is what keeps per-event cost flat.
func TestHistoryIsBounded(t *testing.T) {
	small, large := withHistory(t, 10), withHistory(t, 10_000)
	if large.Size() > small.Size()+400 {
		t.Errorf("history 10,000 keeps %d facts, history 10 keeps %d: pruning does not bound the store", large.Size(), small.Size())
	}
	ev := program(t).Evaluate(large, asOf)
	if ev.Status != "candidate" {
		t.Errorf("status %s after pruning, want candidate", ev.Status)
	}
}
