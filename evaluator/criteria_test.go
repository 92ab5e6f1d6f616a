package evaluator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

func TestBaseIsCandidate(t *testing.T) {
	ev := program(t).Evaluate(base().p, asOf)
	if ev.Status != evaluator.Candidate {
		for _, c := range ev.Criteria {
			t.Logf("%s %s: %s", c.ID, c.Result, c.Reason)
		}
		t.Fatalf("status %s, want candidate", ev.Status)
	}
}

// criterionCase changes the BASE patient and expects one criterion's result.
type criterionCase struct {
	name      string
	criterion string
	change    func(b *builder)
	want      evaluator.Result
}

func runCases(t *testing.T, cases []criterionCase) {
	t.Helper()
	prog := program(t)
	for _, tc := range cases {
		t.Run(tc.criterion+"/"+tc.name, func(t *testing.T) {
			b := base()
			tc.change(b)
			got := prog.Evaluate(b.p, asOf).Criterion(tc.criterion)
			if got.Result != tc.want {
				t.Errorf("%s = %s, want %s (reason: %s)", tc.criterion, got.Result, tc.want, got.Reason)
			}
		})
	}
}

func relab(concept string, v float64, unit string, at time.Time, opts ...func(*facts.Observation)) func(*builder) {
	return func(b *builder) { b.without(concept).lab(concept, v, unit, at, opts...) }
}

func TestCountsAndUnits(t *testing.T) {
	in := daysBefore(3)
	runCases(t, []criterionCase{
		{"at threshold", "I8.anc", relab("anc", 1.5, "10*9/L", in), evaluator.Met},
		{"just below", "I8.anc", relab("anc", 1.49, "10*9/L", in), evaluator.NotMet},
		{"per uL", "I8.anc", relab("anc", 1500, "/uL", in), evaluator.Met},
		{"cells per uL", "I8.anc", relab("anc", 1400, "{cells}/uL", in), evaluator.NotMet},
		{"per mm3", "I8.anc", relab("anc", 1600, "/mm3", in), evaluator.Met},
		{"10*6/L", "I8.anc", relab("anc", 1499, "10*6/L", in), evaluator.NotMet},
		{"unconvertible unit", "I8.anc", relab("anc", 3, "mg/dL", in), evaluator.Unknown},
		{"none", "I8.anc", func(b *builder) { b.without("anc") }, evaluator.Unknown},
		{"inside window", "I8.anc", relab("anc", 3, "10*9/L", daysBefore(27.9)), evaluator.Met},
		{"window edge excluded", "I8.anc", relab("anc", 3, "10*9/L", daysBefore(28)), evaluator.Unknown},
		{"after as-of ignored", "I8.anc", relab("anc", 3, "10*9/L", asOf.Add(time.Hour)), evaluator.Unknown},
		{"Hb g/L at 80", "I8.hb", relab("hemoglobin", 80, "g/L", in), evaluator.Met},
		{"Hb g/dL 7.99", "I8.hb", relab("hemoglobin", 7.99, "g/dL", in), evaluator.NotMet},
		{"Hb mmol/L 5", "I8.hb", relab("hemoglobin", 5, "mmol/L", in), evaluator.Met},
		{"Hb mmol/L 4.9", "I8.hb", relab("hemoglobin", 4.9, "mmol/L", in), evaluator.NotMet},
		{"PLT 50", "I8.plt", relab("platelets", 50, "10*3/uL", in), evaluator.Met},
		{"PLT 49.9", "I8.plt", relab("platelets", 49.9, "10*3/uL", in), evaluator.NotMet},
		{"ALC 0.8", "I8.alc", relab("alc", 0.8, "10*9/L", in), evaluator.Met},
		{"ALC 0.79", "I8.alc", relab("alc", 0.79, "10*9/L", in), evaluator.NotMet},
		{"LVEF 40", "I8.lvef", relab("lvef", 40, "%", daysBefore(89)), evaluator.Met},
		{"LVEF fraction 0.39", "I8.lvef", relab("lvef", 0.39, "1", daysBefore(10)), evaluator.NotMet},
		{"LVEF out of echo window", "I8.lvef", relab("lvef", 60, "%", daysBefore(90)), evaluator.Unknown},
	})
}

func TestLiverAndCoagulation(t *testing.T) {
	in := daysBefore(3)
	runCases(t, []criterionCase{
		{"ALT at 2.5 ULN", "I8.liver", relab("alt", 100, "U/L", in, refRange(0, 40, "U/L")), evaluator.Met},
		{"ALT above 2.5 ULN", "I8.liver", relab("alt", 101, "U/L", in, refRange(0, 40, "U/L")), evaluator.NotMet},
		{"ALT default ULN", "I8.liver", relab("alt", 95, "U/L", in), evaluator.Met},
		{"ALT IU/L default ULN above", "I8.liver", relab("alt", 101, "[IU]/L", in), evaluator.NotMet},
		{"bilirubin umol/L vs default 21", "I8.liver", relab("bilirubin", 31.5, "umol/L", in), evaluator.Met},
		{"bilirubin mg/dL vs default 21 umol/L", "I8.liver", relab("bilirubin", 1.9, "mg/dL", in), evaluator.NotMet},
		{"AST missing", "I8.liver", func(b *builder) { b.without("ast") }, evaluator.Unknown},
		{"AST missing but ALT high", "I8.liver", func(b *builder) {
			b.without("ast")
			relab("alt", 200, "U/L", in)(b)
		}, evaluator.NotMet},
		{"INR 1.8 at 1.5 ULN", "I8.coag", relab("inr", 1.8, "{INR}", in, refRange(0.8, 1.2, "{INR}")), evaluator.Met},
		{"INR 2.0 high", "I8.coag", relab("inr", 2.0, "{INR}", in, refRange(0.8, 1.2, "{INR}")), evaluator.NotMet},
		{"INR unitless default ULN", "I8.coag", relab("inr", 1.8, "", in), evaluator.Met},
		{"only aPTT", "I8.coag", func(b *builder) { b.without("inr") }, evaluator.Met},
		{"neither", "I8.coag", func(b *builder) { b.without("inr").without("aptt") }, evaluator.Unknown},
	})
}

func TestAgeAndRenal(t *testing.T) {
	birth := func(y, m, d int) func(*builder) {
		return func(b *builder) { b.p.Demographics.BirthDate = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	}
	runCases(t, []criterionCase{
		{"18th birthday today", "I2a", birth(2008, 11, 1), evaluator.Met},
		{"18th birthday tomorrow", "I2a", birth(2008, 11, 2), evaluator.NotMet},
		{"69 until tomorrow", "I2a", birth(1956, 11, 2), evaluator.Met},
		{"70th birthday today", "I2a", birth(1956, 11, 1), evaluator.NotMet},
		{"no birth date", "I2a", func(b *builder) { b.p.Demographics.BirthDate = time.Time{} }, evaluator.Unknown},
		{"weight in lb", "I8.crcl", relab("body-weight", 110, "[lb_av]", daysBefore(3)), evaluator.Met},
		{"low weight high creatinine", "I8.crcl", func(b *builder) {
			relab("body-weight", 110, "[lb_av]", daysBefore(3))(b)
			relab("creatinine", 1.3, "mg/dL", daysBefore(3))(b)
		}, evaluator.NotMet},
		{"creatinine umol/L", "I8.crcl", relab("creatinine", 70.7, "umol/L", daysBefore(3)), evaluator.Met},
		{"gender unknown", "I8.crcl", func(b *builder) { b.p.Demographics.Gender = "unknown" }, evaluator.Unknown},
		{"weight 89 days old", "I8.crcl", relab("body-weight", 62, "kg", daysBefore(89)), evaluator.Met},
		{"weight 91 days old", "I8.crcl", relab("body-weight", 62, "kg", daysBefore(91)), evaluator.Unknown},
	})
}

func oxygen(concept string, v float64, unit string, at time.Time) func(*builder) {
	return func(b *builder) { b.lab(concept, v, unit, at) }
}

func TestOxygen(t *testing.T) {
	spo2At := daysBefore(6)
	runCases(t, []criterionCase{
		{"SpO2 92", "I9", relab("spo2", 92, "%", spo2At), evaluator.NotMet},
		{"SpO2 92.1", "I9", relab("spo2", 92.1, "%", spo2At), evaluator.Met},
		{"flow 60 min after", "I9", oxygen("oxygen-flow", 2, "L/min", spo2At.Add(60*time.Minute)), evaluator.NotMet},
		{"flow 61 min after", "I9", oxygen("oxygen-flow", 2, "L/min", spo2At.Add(61*time.Minute)), evaluator.Met},
		{"flow 0", "I8.spo2", oxygen("oxygen-flow", 0, "L/min", spo2At), evaluator.Met},
		{"FiO2 21", "I8.spo2", oxygen("fio2", 21, "%", spo2At), evaluator.Met},
		{"FiO2 28", "I8.spo2", oxygen("fio2", 28, "%", spo2At), evaluator.NotMet},
	})
}

func TestMedications(t *testing.T) {
	d := func(n int) time.Time { return asOf.AddDate(0, 0, -n) }
	runCases(t, []criterionCase{
		{"no medication data", "I3b", func(b *builder) { b.noMedications() }, evaluator.Unknown},
		{"drug added 56 days ago", "I3b", func(b *builder) {
			b.med([]string{"belimumab", "targeted", "standard-treatment"}, "active", d(56), never, 10)
		}, evaluator.Met},
		{"drug added 55 days ago", "I3b", func(b *builder) {
			b.med([]string{"belimumab", "targeted", "standard-treatment"}, "active", d(55), never, 10)
		}, evaluator.NotMet},
		{"drug stopped 30 days ago", "I3b", func(b *builder) {
			b.med([]string{"naproxen", "nsaid", "standard-treatment"}, "completed", d(400), d(30), 1000)
		}, evaluator.NotMet},
		{"dose changed 14 days ago", "I3b", func(b *builder) {
			b.withoutMed("prednisone").med(pred, "completed", d(200), d(14), 15).med(pred, "active", d(14), never, 10)
		}, evaluator.Met},
		{"dose changed 13 days ago", "I3b", func(b *builder) {
			b.withoutMed("prednisone").med(pred, "completed", d(200), d(13), 15).med(pred, "active", d(13), never, 10)
		}, evaluator.NotMet},
		{"same dose renewed", "I3b", func(b *builder) {
			b.withoutMed("prednisone").med(pred, "completed", d(200), d(5), 10).med(pred, "active", d(5), never, 10)
		}, evaluator.Met},
		{"renewed with unknown dose", "I3b", func(b *builder) {
			b.withoutMed("prednisone").med(pred, "completed", d(200), d(5), 10).med(pred, "active", d(5), never, -1)
		}, evaluator.Unknown},
		{"prednisone 30", "I4", func(b *builder) { b.withoutMed("prednisone").med(pred, "active", d(100), never, 30) }, evaluator.Met},
		{"prednisone 30.5", "I4", func(b *builder) { b.withoutMed("prednisone").med(pred, "active", d(100), never, 30.5) }, evaluator.NotMet},
		{"prednisone 5 with immunosuppressant", "I4", func(b *builder) { b.withoutMed("prednisone").med(pred, "active", d(100), never, 5) }, evaluator.Met},
		{"prednisone 7.5 alone", "I4", func(b *builder) {
			b.withoutMed("prednisone").withoutMed("mycophenolate").med(pred, "active", d(100), never, 7.5)
		}, evaluator.Met},
		{"prednisone 7.4 alone", "I4", func(b *builder) {
			b.withoutMed("prednisone").withoutMed("mycophenolate").med(pred, "active", d(100), never, 7.4)
		}, evaluator.NotMet},
		{"no steroid, immunosuppressant", "I4", func(b *builder) { b.withoutMed("prednisone") }, evaluator.Met},
		{"dose unknown", "I4", func(b *builder) { b.withoutMed("prednisone").med(pred, "active", d(100), never, -1) }, evaluator.Unknown},
		{"IV steroid not counted", "I4", func(b *builder) {
			b.med([]string{"methylprednisolone", "corticosteroid", "standard-treatment"}, "active", d(100), never, 500)
			for _, m := range b.p.Medications {
				if means(m.Codes, m.Texts, "methylprednisolone") {
					m.Route = "other"
				}
			}
		}, evaluator.Met},
		{"hydroxychloroquine 84 days", "I5", func(b *builder) {
			b.withoutMed("hydroxychloroquine").withoutMed("azathioprine").med(hcq, "active", d(84), never, 400)
		}, evaluator.Met},
		{"hydroxychloroquine 83 days", "I5", func(b *builder) {
			b.withoutMed("hydroxychloroquine").withoutMed("azathioprine").med(hcq, "active", d(83), never, 400)
		}, evaluator.NotMet},
		{"G-CSF ended 7 days ago", "I8.anc", func(b *builder) {
			b.med([]string{"filgrastim", "g-csf"}, "completed", d(10), d(7), 0.3)
		}, evaluator.Met},
		{"G-CSF ended 6 days ago", "I8.anc", func(b *builder) {
			b.med([]string{"filgrastim", "g-csf"}, "completed", d(10), d(6), 0.3)
		}, evaluator.NotMet},
		{"pegfilgrastim 13 days ago", "I8.anc", func(b *builder) {
			b.med([]string{"pegfilgrastim", "g-csf-long-acting"}, "completed", d(13), time.Time{}, 6)
		}, evaluator.NotMet},
	})
}

// TestCrClChangesOnBirthday: Cockcroft-Gault uses age, so a CrCl just over
// the bound can fall under it on the next birthday with no new data; the
// evaluation must be valid only until then.
func TestCrClChangesOnBirthday(t *testing.T) {
	b := base()
	b.p.Demographics.Gender = "male"
	b.p.Demographics.BirthDate = time.Date(1986, 11, 3, 0, 0, 0, 0, time.UTC) // 39 on asOf, 40 in two days
	relab("creatinine", 1.0, "mg/dL", daysBefore(3))(b)
	relab("body-weight", 35.8, "kg", daysBefore(3))(b) // CrCl 50.2 at 39, 49.7 at 40
	prog := program(t)
	ev := prog.Evaluate(b.p, asOf)
	if got := ev.Criterion("I8.crcl"); got.Result != evaluator.Met {
		t.Fatalf("I8.crcl at 39 = %s (%s), want met", got.Result, got.Reason)
	}
	birthday := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	if ev.ValidUntil == nil || !ev.ValidUntil.Equal(birthday) {
		t.Errorf("valid_until %v, want the 40th birthday %s", ev.ValidUntil, birthday)
	}
	if got := prog.Evaluate(b.p, birthday).Criterion("I8.crcl"); got.Result != evaluator.NotMet {
		t.Errorf("I8.crcl at 40 = %s (%s), want not_met", got.Result, got.Reason)
	}
}

// TestRecordsDatedAhead: a record dated after the evaluation time (booked
// ahead, or a clock skew) does not count yet, and the evaluation is valid
// only until its date, when it starts to count with no new data.
func TestRecordsDatedAhead(t *testing.T) {
	ahead := asOf.AddDate(0, 0, 3)
	cases := []struct {
		name, criterion string
		add             func(*builder)
	}{
		{"myocardial infarction", "E6", func(b *builder) { b.condition("cv-exclusion", "active", ahead) }},
		{"live vaccine", "E5", func(b *builder) {
			im := &facts.Immunization{Meta: facts.Meta{Ref: b.ref("Immunization")}, Codes: codes("live-vaccine"), Display: "zoster", Status: "completed", Occurrence: ahead}
			b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Immunization: im})
		}},
		{"red cell transfusion", "I8.hb", func(b *builder) {
			pr := &facts.Procedure{Meta: facts.Meta{Ref: b.ref("Procedure")}, Codes: codes("rbc-transfusion"), Status: "completed", Performed: ahead}
			b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Procedure: pr})
		}},
	}
	prog := program(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := base()
			tc.add(b)
			now := prog.Evaluate(b.p, asOf)
			later := prog.Evaluate(b.p, ahead)
			if a, z := now.Criterion(tc.criterion).Result, later.Criterion(tc.criterion).Result; a == z {
				t.Fatalf("%s is %s before and on the record's date: the case tests nothing", tc.criterion, a)
			}
			if now.ValidUntil == nil || now.ValidUntil.After(ahead) {
				t.Errorf("valid_until %v, want at latest %s, when the record starts to count", now.ValidUntil, ahead)
			}
		})
	}
}

// TestDeceased: a deceased patient is ineligible whatever the criteria say,
// with the date in the status reason; a death dated ahead counts from then.
func TestDeceased(t *testing.T) {
	prog := program(t)
	cases := []struct {
		name       string
		deceased   bool
		at         time.Time
		wantStatus evaluator.Status
		wantReason string
	}{
		{"alive", false, time.Time{}, evaluator.Candidate, ""},
		{"deceasedBoolean", true, time.Time{}, evaluator.Ineligible, "deceased (Patient/t): never a candidate"},
		{"deceasedDateTime", true, daysBefore(3), evaluator.Ineligible, "deceased on 2026-10-29 (Patient/t): never a candidate"},
		{"deceasedDateTime ahead", true, asOf.AddDate(0, 0, 2), evaluator.Candidate, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := base()
			b.p.Demographics.Deceased, b.p.Demographics.DeceasedAt = tc.deceased, tc.at
			ev := prog.Evaluate(b.p, asOf)
			if ev.Status != tc.wantStatus || ev.StatusReason != tc.wantReason {
				t.Errorf("status %s (%q), want %s (%q)", ev.Status, ev.StatusReason, tc.wantStatus, tc.wantReason)
			}
			if tc.name == "deceasedDateTime ahead" && (ev.ValidUntil == nil || !ev.ValidUntil.Equal(tc.at)) {
				t.Errorf("valid_until %v, want the date of death %s", ev.ValidUntil, tc.at)
			}
		})
	}
}

// decide records a person's decision on the BASE patient.
func (b *builder) decide(trial, criterion, result, reason string, withdrawn bool) *builder {
	b.p.Apply(facts.Resource{Patient: b.p.ID, Decision: &facts.Decision{
		Meta:  facts.Meta{Ref: "Observation/d-" + criterion, Arrival: uint64(b.n + 100), Retracted: withdrawn},
		Trial: trial, Criterion: criterion, Result: result, Reason: reason, By: "dr.x", At: daysBefore(1)}})
	b.n++
	return b
}

// TestDecisions: people's decisions take the place of criteria left to a
// person, and can override an automated result (whose result stays in the
// reason); a candidate with every such criterion decided in their favour
// is eligible; a withdrawn decision, or one for another trial, counts for
// nothing.
func TestDecisions(t *testing.T) {
	prog := program(t)
	allFour := func(b *builder) {
		b.decide("sle-refractory", "I1", "met", "consent signed", false).
			decide("sle-refractory", "I8.dyspnea", "met", "grade 0", false).
			decide("sle-refractory", "E9", "not_met", "lives nearby", false).
			decide("sle-refractory", "E10", "not_met", "none", false)
	}
	cases := []struct {
		name      string
		change    func(*builder)
		status    evaluator.Status
		criterion string
		result    evaluator.Result
		reason    string
	}{
		{"three of four", func(b *builder) {
			b.decide("sle-refractory", "I1", "met", "consent signed", false).
				decide("sle-refractory", "I8.dyspnea", "met", "grade 0", false).
				decide("sle-refractory", "E9", "not_met", "lives nearby", false)
		}, evaluator.Candidate, "I1", evaluator.Met, "met: consent signed, recorded by dr.x on 2026-10-31"},
		{"all four", allFour, evaluator.Eligible, "E10", evaluator.NotMet, "not_met: none, recorded by dr.x on 2026-10-31"},
		{"investigator exclusion", func(b *builder) {
			allFour(b)
			b.decide("sle-refractory", "E10", "met", "poor adherence expected", false)
		}, evaluator.Ineligible, "E10", evaluator.Met, "met: poor adherence expected, recorded by dr.x on 2026-10-31"},
		{"override of an automated result", func(b *builder) {
			allFour(b)
			b.decide("sle-refractory", "I8.anc", "not_met", "sample haemolysed", false)
		}, evaluator.Ineligible, "I8.anc", evaluator.NotMet,
			"not_met: sample haemolysed, overridden by dr.x on 2026-10-31 (automated: met, ANC 3.2 10*9/L on 2026-10-26 >= 1.5 10*9/L)"},
		{"withdrawn", func(b *builder) {
			allFour(b)
			b.decide("sle-refractory", "E10", "not_met", "none", true)
		}, evaluator.Candidate, "E10", evaluator.Review, "the investigator judges any other reason not to enrol"},
		{"another trial's", func(b *builder) { b.decide("other-trial", "I1", "met", "consent signed", false) },
			evaluator.Candidate, "I1", evaluator.Review, "informed consent is taken by the study team"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := base()
			tc.change(b)
			ev := prog.Evaluate(b.p, asOf)
			c := ev.Criterion(tc.criterion)
			if ev.Status != tc.status || c.Result != tc.result || c.Reason != tc.reason {
				t.Errorf("status %s, %s %s %q; want %s, %s %q", ev.Status, tc.criterion, c.Result, c.Reason, tc.status, tc.result, tc.reason)
			}
		})
	}
}

// TestFarFuture: dates at the end of what FHIR allows (a birth date of
// 9999-12-31) give an evaluation that can be written down: no valid_until
// past the year 9999.
func TestFarFuture(t *testing.T) {
	b := base()
	b.p.Demographics.BirthDate = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	ev := program(t).Evaluate(b.p, asOf)
	if _, err := json.Marshal(ev); err != nil {
		t.Fatalf("evaluation cannot be written: %v (valid_until %v)", err, ev.ValidUntil)
	}
	if got := ev.Criterion("I2a").Result; got != evaluator.NotMet {
		t.Errorf("I2a for a birth date ahead = %s, want not_met", got)
	}
}
