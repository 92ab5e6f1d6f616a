package fhirmap

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecisionRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	in := DecisionInput{Patient: "Patient/p1", Trial: "sle-refractory", Criterion: "I1", Result: "met", Reason: " consent signed ", By: "ana", At: at}
	data, ref, err := DecisionResource(in)
	if err != nil {
		t.Fatal(err)
	}
	if ref != "Observation/"+DecisionID("Patient/p1", "sle-refractory", "I1") {
		t.Errorf("ref %s", ref)
	}
	for name, m := range map[string]*Mapper{"skim": newTestMapper(t, Options{}), "full": newFullMapper(t)} {
		rs := m.Map(data, Position{File: "d.json"})
		if len(rs) != 1 || rs[0].Fact == nil || rs[0].Fact.Decision == nil {
			t.Fatalf("%s: %+v", name, rs)
		}
		d := rs[0].Fact.Decision
		if rs[0].Fact.Patient != "Patient/p1" || d.Trial != "sle-refractory" || d.Criterion != "I1" || d.Result != "met" ||
			d.Reason != "consent signed" || d.By != "ana" || !d.At.Equal(at) || !d.LastUpdated.Equal(at) || d.Retracted || d.Ref != ref {
			t.Errorf("%s: %+v", name, d)
		}
	}
	in.Withdraw, in.At = true, at.Add(time.Hour)
	data, _, err = DecisionResource(in)
	if err != nil {
		t.Fatal(err)
	}
	if rs := newTestMapper(t, Options{}).Map(data, Position{}); len(rs) != 1 || rs[0].Fact == nil || !rs[0].Fact.Decision.Retracted {
		t.Errorf("withdrawal: %+v", rs)
	}
}

func TestDecisionErrors(t *testing.T) {
	ok := DecisionInput{Patient: "Patient/p1", Trial: "t", Criterion: "I1", Result: "met", Reason: "r", By: "ana"}
	for _, c := range []struct {
		change func(*DecisionInput)
		want   string
	}{
		{func(d *DecisionInput) { d.Reason = " " }, "decision: no reason (note)"},
		{func(d *DecisionInput) { d.Result = "maybe" }, `decision: result "maybe": want met or not_met`},
		{func(d *DecisionInput) { d.Trial = "" }, "decision: no trial component"},
		{func(d *DecisionInput) { d.By = "" }, "decision: who decided is not given"},
		{func(d *DecisionInput) { d.Patient = "Group/g" }, `decision: patient "Group/g" is not a Patient reference`},
	} {
		d := ok
		c.change(&d)
		if _, _, err := DecisionResource(d); err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	// Read from a feed: a decision without a reason is rejected, saying why.
	data, _, _ := DecisionResource(ok)
	bad := strings.Replace(string(data), `"note":[{"text":"r"}],`, "", 1)
	rs := newTestMapper(t, Options{}).Map([]byte(bad), Position{File: "d.json"})
	if len(rs) != 1 || !errors.Is(rs[0].Err, ErrDecision) || !strings.Contains(rs[0].Err.Error(), "no reason") {
		t.Errorf("decision without a reason: %+v", rs)
	}
}
