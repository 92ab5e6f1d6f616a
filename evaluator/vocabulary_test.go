package evaluator_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// The rule vocabulary, function by function, with its boundaries: each case
// is one rule over a patient built from a few facts (testdata/vocabulary.yaml
// holds the concepts), its expected result and a part of its reason.

const (
	loinc  = "http://loinc.org"
	snomed = "http://snomed.info/sct"
)

type vcase struct {
	name   string
	rule   string
	facts  []vfact
	want   evaluator.Result
	reason string // a part of the expected reason
}

type vfact func(p *facts.Patient, n int)

// vocabularyProgram compiles the vocabulary trial with one criterion.
var vocabularyPrograms sync.Map // rule -> *evaluator.Program

func vocabularyProgram(t *testing.T, rule string) *evaluator.Program {
	t.Helper()
	if p, ok := vocabularyPrograms.Load(rule); ok {
		return p.(*evaluator.Program)
	}
	base, err := os.ReadFile("testdata/vocabulary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(base) + "criteria:\n  - id: X\n    kind: inclusion\n    rule: '" + rule + "'\n"
	tr, err := config.ParseTrial("vocabulary.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := evaluator.Compile(tr)
	if err != nil {
		t.Fatal(err)
	}
	vocabularyPrograms.Store(rule, p)
	return p
}

// runVocabulary evaluates each case for a woman born 1958-04-12 (68 at asOf).
func runVocabulary(t *testing.T, cases []vcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := facts.NewPatient("Patient/v")
			p.Apply(facts.Resource{Patient: p.ID, Demographics: &facts.Demographics{Meta: facts.Meta{Ref: "Patient/v"},
				BirthDate: time.Date(1958, 4, 12, 0, 0, 0, 0, time.UTC), Gender: "female"}})
			for i, f := range tc.facts {
				f(p, i)
			}
			got := vocabularyProgram(t, tc.rule).Evaluate(p, asOf).Criterion("X")
			if got.Result != tc.want || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("%s = %s (%s), want %s with %q", tc.rule, got.Result, got.Reason, tc.want, tc.reason)
			}
		})
	}
}

func coding(system, code string) []facts.Coding { return []facts.Coding{{System: system, Code: code}} }

func apply(p *facts.Patient, r facts.Resource) { r.Patient = p.ID; r.Relevant = true; p.Apply(r) }

// lab adds a quantity result of a LOINC code, days before asOf.
func lab(code string, v float64, unit string, days float64) vfact {
	return func(p *facts.Patient, n int) {
		apply(p, facts.Resource{Observation: &facts.Observation{Meta: facts.Meta{Ref: fmt.Sprintf("Observation/%s-%d", code, n)},
			Codes: coding(loinc, code), Status: "final", Effective: daysBefore(days),
			Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: v, Unit: unit}}}})
	}
}

// panel adds a blood pressure panel with a systolic component.
func panel(panelCode string, sbp float64, days float64) vfact {
	return func(p *facts.Patient, n int) {
		q := func(v float64) facts.Value {
			return facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: v, Unit: "mm[Hg]"}}
		}
		apply(p, facts.Resource{Observation: &facts.Observation{Meta: facts.Meta{Ref: fmt.Sprintf("Observation/bp-%d", n)},
			Codes: coding(loinc, panelCode), Status: "final", Effective: daysBefore(days),
			Components: []facts.Component{{Codes: coding(loinc, "8462-4"), Value: q(60)}, {Codes: coding(loinc, "8480-6"), Value: q(sbp)}}}})
	}
}

// codedResult adds a coded result of a LOINC code.
func codedResult(code string, value []facts.Coding, days float64) vfact {
	return func(p *facts.Patient, n int) {
		apply(p, facts.Resource{Observation: &facts.Observation{Meta: facts.Meta{Ref: fmt.Sprintf("Observation/%s-%d", code, n)},
			Codes: coding(loinc, code), Status: "final", Effective: daysBefore(days),
			Value: facts.Value{Kind: facts.CodedValue, Codes: value}}})
	}
}

// snomedCondition adds an active Condition with an onset.
func snomedCondition(code string, onset time.Time) vfact {
	return func(p *facts.Patient, n int) {
		apply(p, facts.Resource{Condition: &facts.Condition{Meta: facts.Meta{Ref: fmt.Sprintf("Condition/c-%d", n)},
			Codes: coding(snomed, code), Display: code, Clinical: "active", Onset: onset}})
	}
}

// onsetAge adds an active Condition whose onset is an age.
func onsetAge(code string, v float64, unit string) vfact {
	return func(p *facts.Patient, n int) {
		apply(p, facts.Resource{Condition: &facts.Condition{Meta: facts.Meta{Ref: fmt.Sprintf("Condition/c-%d", n)},
			Codes: coding(snomed, code), Clinical: "active", OnsetAge: &facts.Quantity{Value: v, Unit: unit}}})
	}
}

func gender(g string) vfact {
	return func(p *facts.Patient, _ int) {
		d := *p.Demographics
		d.Gender = g
		p.Demographics = &d
	}
}

func born(y int, m time.Month, d int) vfact {
	return func(p *facts.Patient, _ int) {
		dem := *p.Demographics
		dem.BirthDate = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		p.Demographics = &dem
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestThresholdsWithUnits(t *testing.T) {
	runVocabulary(t, []vcase{
		{"Hb g/dL against g/L", `patient.lab_below("hemoglobin", "100 g/L")`, []vfact{lab("718-7", 9.5, "g/dL", 5)}, evaluator.Met, "Hb 95 g/L (9.5 g/dL) on 2026-10-27 < 100 g/L"},
		{"Hb at the threshold", `patient.lab_below("hemoglobin", "100 g/L")`, []vfact{lab("718-7", 10, "g/dL", 5)}, evaluator.NotMet, ">= 100 g/L"},
		{"threshold in another unit", `patient.lab_below("hemoglobin", "10 g/dL")`, []vfact{lab("718-7", 99, "g/L", 5)}, evaluator.Met, "< 100 g/L (10 g/dL)"},
		{"SBP mmHg spelling", `patient.lab_below("sbp", "95 mm[Hg]")`, []vfact{lab("8480-6", 92, "mmHg", 3)}, evaluator.Met, "SBP 92 mm[Hg] on 2026-10-29 < 95 mm[Hg]"},
		{"SBP at 95", `patient.lab_below("sbp", "95 mm[Hg]")`, []vfact{lab("8480-6", 95, "mm[Hg]", 3)}, evaluator.NotMet, ">= 95 mm[Hg]"},
		{"SBP in kPa", `patient.lab_below("sbp", "95 mm[Hg]")`, []vfact{lab("8480-6", 12.5, "kPa", 3)}, evaluator.Met, "93.758 mm[Hg] (12.5 kPa)"},
		{"potassium meq/L declared", `patient.lab_above("potassium", "5.0 mmol/L")`, []vfact{lab("2823-3", 5.4, "mEq/L", 3)}, evaluator.Met, "potassium 5.4 mmol/L (5.4 mEq/L) on 2026-10-29 > 5 mmol/L"},
		{"potassium at 5.0", `patient.lab_above("potassium", "5.0 mmol/L")`, []vfact{lab("2823-3", 5.0, "meq/L", 3)}, evaluator.NotMet, "<= 5 mmol/L"},
		{"potassium in a unit of no conversion", `patient.lab_above("potassium", "5.0 mmol/L")`, []vfact{lab("2823-3", 20, "mg/dL", 3)}, evaluator.Unknown,
			"potassium 20 mg/dL on 2026-10-29 cannot be used: mg/dL is not convertible to mmol/L for potassium"},
		{"HbA1c IFCC crosses 10 % by the master equation", `patient.lab_above("hba1c", "10 %")`, []vfact{lab("4548-4", 97, "mmol/mol", 6)}, evaluator.Met,
			"HbA1c 11.026 % (97 mmol/mol) on 2026-10-26 > 10 %"},
		{"HbA1c IFCC below by the master equation", `patient.lab_above("hba1c", "10 %")`, []vfact{lab("4548-4", 85, "mmol/mol", 6)}, evaluator.NotMet, "9.928 % (85 mmol/mol)"},
		{"HbA1c IFCC without a declared conversion is not scaled", `patient.lab_above("hba1c-undeclared", "10 %")`, []vfact{lab("4548-4", 97, "mmol/mol", 6)}, evaluator.Unknown,
			"HbA1c (no conversion) 97 mmol/mol on 2026-10-26 cannot be used: mmol/mol is not convertible to %"},
		{"HbA1c threshold in IFCC", `patient.lab_above("hba1c", "86 mmol/mol")`, []vfact{lab("4548-4", 10.1, "%", 6)}, evaluator.Met, "> 10.019 % (86 mmol/mol)"},
		{"HbA1c NGSP as is", `patient.lab_above("hba1c", "10 %")`, []vfact{lab("4548-4", 10, "%", 6)}, evaluator.NotMet, "HbA1c 10 % on 2026-10-26 <= 10 %"},
		{"LVEF fraction", `patient.lab_at_most("lvef", "40 %")`, []vfact{lab("10230-1", 0.35, "1", 40)}, evaluator.Met, "LVEF 35 % (0.35 1)"},
		{"plain number for a percentage", `patient.lab_at_most("lvef", 40)`, []vfact{lab("10230-1", 40, "%", 40)}, evaluator.Met, "<= 40"},
	})
}

func TestComponents(t *testing.T) {
	runVocabulary(t, []vcase{
		{"SBP inside a 85354-9 panel", `patient.lab_below("sbp", "95 mm[Hg]")`, []vfact{panel("85354-9", 92, 3)}, evaluator.Met, "SBP 92 mm[Hg] on 2026-10-29 < 95 mm[Hg]"},
		{"SBP inside a 55284-4 panel", `patient.lab_below("sbp", "95 mm[Hg]")`, []vfact{panel("55284-4", 118, 3)}, evaluator.NotMet, "SBP 118 mm[Hg]"},
		{"the newer of a panel and a lone result", `patient.lab_below("sbp", "95 mm[Hg]")`,
			[]vfact{panel("85354-9", 92, 3), lab("8480-6", 120, "mm[Hg]", 1)}, evaluator.NotMet, "SBP 120 mm[Hg] on 2026-10-31"},
		{"a panel newer than a lone result", `patient.lab_below("sbp", "95 mm[Hg]")`,
			[]vfact{panel("85354-9", 92, 1), lab("8480-6", 120, "mm[Hg]", 3)}, evaluator.Met, "SBP 92 mm[Hg] on 2026-10-31"},
		{"a panel out of the window", `patient.lab_below("sbp", "95 mm[Hg]")`, []vfact{panel("85354-9", 92, 28)}, evaluator.Unknown, "no SBP in the 28 days up to 2026-11-01"},
	})
}

func TestRangesAndWindows(t *testing.T) {
	sbp := func(v float64) []vfact { return []vfact{lab("8480-6", v, "mm[Hg]", 3)} }
	between := `patient.lab_between("sbp", "95 mm[Hg]", "160 mm[Hg]")`
	runVocabulary(t, []vcase{
		{"low bound included", between, sbp(95), evaluator.Met, "SBP 95 mm[Hg] on 2026-10-29 within 95 mm[Hg] to 160 mm[Hg]"},
		{"high bound included", between, sbp(160), evaluator.Met, "within"},
		{"below", between, sbp(94.9), evaluator.NotMet, "< 95 mm[Hg]"},
		{"above", between, sbp(160.1), evaluator.NotMet, "> 160 mm[Hg]"},
		{"none", between, nil, evaluator.Unknown, "no SBP in the 28 days"},
		{"a span replaces the window", `patient.lab_at_most("lvef", "40 %", "90d")`, []vfact{lab("10230-1", 35, "%", 100)}, evaluator.Unknown, "no LVEF in the 90 days up to 2026-11-01"},
		{"the concept's own window", `patient.lab_at_most("lvef", "40 %")`, []vfact{lab("10230-1", 35, "%", 100)}, evaluator.Met, "LVEF 35 %"},
		{"a span longer than the window", `patient.lab_at_least("hemoglobin", "100 g/L", "90d")`, []vfact{lab("718-7", 120, "g/L", 60)}, evaluator.Met, "Hb 120 g/L"},
		{"ever", `patient.lab_at_least("hemoglobin", "100 g/L", "ever")`, []vfact{lab("718-7", 120, "g/L", 2000)}, evaluator.Met, "Hb 120 g/L on 2021-05-11"},
		{"now: a result at this instant only", `patient.lab_at_least("hemoglobin", "100 g/L", "now")`, []vfact{lab("718-7", 120, "g/L", 0)}, evaluator.Met, "Hb 120 g/L on 2026-11-01"},
		{"now: an hour ago is not now", `patient.lab_at_least("hemoglobin", "100 g/L", "now")`, []vfact{lab("718-7", 120, "g/L", 1.0/24)}, evaluator.Unknown, "no Hb at 2026-11-01"},
		{"a window of ever on the concept", `patient.lab_at_least("body-height", "150 cm")`, []vfact{lab("8302-2", 162, "cm", 3000)}, evaluator.Met, "height 162 cm"},
	})
}

func TestAnyAndNoResult(t *testing.T) {
	lvef := func(v float64, days float64) vfact { return lab("10230-1", v, "%", days) }
	runVocabulary(t, []vcase{
		{"none above: closed-world with no result", `patient.no_lab_above("lvef", "40 %", "90d")`, nil, evaluator.Met, "no LVEF in the 90 days up to 2026-11-01"},
		{"none above: all at or below", `patient.no_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(40, 10), lvef(32, 45)}, evaluator.Met,
			"no LVEF in the 90 days up to 2026-11-01 is > 40 % (2 result(s); highest 40 % on 2026-10-22)"},
		{"none above: an older one above", `patient.no_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(32, 45), lvef(45, 73)}, evaluator.NotMet, "LVEF 45 % on 2026-08-20 > 40 %"},
		{"none above: above but out of the span", `patient.no_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(32, 45), lvef(45, 91)}, evaluator.Met, "no LVEF"},
		{"none above: an unreadable one", `patient.no_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(32, 45), lab("10230-1", 45, "mL", 50)}, evaluator.Unknown, "1 result(s) cannot be read in %"},
		{"none above: an unreadable one and one above", `patient.no_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(45, 45), lab("10230-1", 45, "mL", 50)}, evaluator.NotMet, "LVEF 45 %"},
		{"any above: open-world with no result", `patient.any_lab_above("lvef", "40 %", "90d")`, nil, evaluator.Unknown, "no LVEF in the 90 days"},
		{"any above: one older", `patient.any_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(32, 45), lvef(45, 73)}, evaluator.Met, "LVEF 45 % on 2026-08-20 > 40 %"},
		{"any above: at the threshold is not above", `patient.any_lab_above("lvef", "40 %", "90d")`, []vfact{lvef(40, 45)}, evaluator.NotMet, "(1 result(s); highest 40 %"},
		{"any at least: at the threshold", `patient.any_lab_at_least("lvef", "40 %", "90d")`, []vfact{lvef(40, 45)}, evaluator.Met, ">= 40 %"},
		{"any below: the lowest named", `patient.any_lab_below("hemoglobin", "100 g/L")`, []vfact{lab("718-7", 120, "g/L", 3), lab("718-7", 110, "g/L", 9)}, evaluator.NotMet, "lowest 110 g/L"},
		{"no at most", `patient.no_lab_at_most("hemoglobin", "100 g/L")`, []vfact{lab("718-7", 100, "g/L", 3)}, evaluator.NotMet, "Hb 100 g/L on 2026-10-29 <= 100 g/L"},
	})
}

func TestSexAndAge(t *testing.T) {
	hb := func(v float64) vfact { return lab("718-7", v, "g/L", 3) }
	anaemia := `patient.lab_below("hemoglobin", "100 g/L") || (!patient.sex_is("female") && patient.lab_below("hemoglobin", "110 g/L"))`
	runVocabulary(t, []vcase{
		{"female", `patient.sex_is("female")`, nil, evaluator.Met, "sex female"},
		{"not male", `patient.sex_is("male")`, nil, evaluator.NotMet, "sex female, not male"},
		{"other is neither", `patient.sex_is("female")`, []vfact{gender("other")}, evaluator.NotMet, "sex other, not female"},
		{"unknown", `patient.sex_is("female")`, []vfact{gender("unknown")}, evaluator.Unknown, "sex not recorded"},
		{"absent", `patient.sex_is("male")`, []vfact{gender("")}, evaluator.Unknown, "sex not recorded"},
		{"Hb 105 in a woman", anaemia, []vfact{hb(105)}, evaluator.NotMet, ""},
		{"Hb 105 in a man", anaemia, []vfact{gender("male"), hb(105)}, evaluator.Met, "Hb 105 g/L"},
		{"Hb 99 in a woman", anaemia, []vfact{hb(99)}, evaluator.Met, "< 100 g/L"},
		{"Hb 110 in a man", anaemia, []vfact{gender("male"), hb(110)}, evaluator.NotMet, ""},
		{"Hb 105 with no sex recorded", anaemia, []vfact{gender(""), hb(105)}, evaluator.Unknown, "sex not recorded"},
		{"Hb 95 with no sex recorded", anaemia, []vfact{gender(""), hb(95)}, evaluator.Met, ""},
		{"age at least, on the birthday", `patient.age_at_least(18)`, []vfact{born(2008, 11, 1)}, evaluator.Met, "age 18 at 2026-11-01 >= 18"},
		{"age at least, the day before", `patient.age_at_least(18)`, []vfact{born(2008, 11, 2)}, evaluator.NotMet, "age 17 at 2026-11-01 < 18"},
		{"age at least, no upper limit", `patient.age_at_least(18)`, []vfact{born(1920, 1, 1)}, evaluator.Met, "age 106"},
		{"age at most", `patient.age_at_most(75)`, []vfact{born(1951, 11, 2)}, evaluator.Met, "age 74 at 2026-11-01 <= 75"},
		{"age at most, over", `patient.age_at_most(75)`, []vfact{born(1950, 11, 1)}, evaluator.NotMet, "age 76 at 2026-11-01 > 75"},
	})
}

func TestOnset(t *testing.T) {
	hf := "84114007"
	runVocabulary(t, []vcase{
		{"onset date at 61", `patient.onset_age_at_least("heart-failure", 18)`, []vfact{snomedCondition(hf, date(2019, 5, 14))}, evaluator.Met,
			"heart failure began at age 61 (from 2019-05-14) >= 18"},
		{"onset on the 18th birthday", `patient.onset_age_at_least("heart-failure", 18)`, []vfact{snomedCondition(hf, date(1976, 4, 12))}, evaluator.Met, "age 18"},
		{"onset the day before", `patient.onset_age_at_least("heart-failure", 18)`, []vfact{snomedCondition(hf, date(1976, 4, 11))}, evaluator.NotMet, "age 17 (from 1976-04-11) < 18"},
		{"onsetAge 16 a", `patient.onset_age_at_least("heart-failure", 18)`, []vfact{onsetAge(hf, 16, "a")}, evaluator.NotMet, "age 16 (onset age 16 a) < 18"},
		{"onsetAge in months", `patient.onset_age_at_least("heart-failure", 18)`, []vfact{onsetAge(hf, 216, "mo")}, evaluator.Met, "age 18 (onset age 216 mo)"},
		{"the earliest onset decides", `patient.onset_age_at_least("heart-failure", 18)`,
			[]vfact{snomedCondition(hf, date(2019, 5, 14)), onsetAge(hf, 16, "a")}, evaluator.NotMet, "age 16"},
		{"no condition", `patient.onset_age_at_least("heart-failure", 18)`, nil, evaluator.NotMet, "no heart failure condition on record"},
		{"no onset and no birth date", `patient.onset_age_at_least("heart-failure", 18)`, []vfact{born(1, 1, 1), snomedCondition(hf, time.Time{})}, evaluator.Unknown, "cannot be told"},
		{"onset below", `patient.onset_age_below("heart-failure", 18)`, []vfact{onsetAge(hf, 16, "a")}, evaluator.Met, "< 18"},
		{"started within", `patient.condition_started_within("heart-failure", "90d")`, []vfact{snomedCondition(hf, daysBefore(89))}, evaluator.Met, "heart failure began in the 90 days"},
		{"started long ago, still active", `patient.condition_started_within("heart-failure", "90d")`, []vfact{snomedCondition(hf, daysBefore(400))}, evaluator.NotMet, "no heart failure began in the 90 days"},
		{"condition_within counts it", `patient.condition_within("heart-failure", "90d")`, []vfact{snomedCondition(hf, daysBefore(400))}, evaluator.Met, ""},
		{"ever", `patient.condition_within("heart-failure", "ever")`, []vfact{snomedCondition(hf, date(1990, 1, 1))}, evaluator.Met, "heart failure up to 2026-11-01"},
		{"now: active at this instant", `patient.condition_within("heart-failure", "now")`, []vfact{snomedCondition(hf, date(1990, 1, 1))}, evaluator.Met, "at 2026-11-01"},
	})
}

func TestOrdinal(t *testing.T) {
	class := func(code string, days float64) vfact { return codedResult("88020-3", coding(snomed, code), days) }
	classLOINC := func(code string, days float64) vfact { return codedResult("88020-3", coding(loinc, code), days) }
	atLeastII := `patient.ordinal_at_least("nyha", "II")`
	runVocabulary(t, []vcase{
		{"class II", atLeastII, []vfact{class("421704003", 6)}, evaluator.Met, "NYHA class II on 2026-10-26 >= II"},
		{"class IV", atLeastII, []vfact{class("422293003", 6)}, evaluator.Met, "IV"},
		{"class I", atLeastII, []vfact{class("420300004", 6)}, evaluator.NotMet, "NYHA class I on 2026-10-26 < II"},
		{"a LOINC answer is the same level", atLeastII, []vfact{classLOINC("LA28406-9", 6)}, evaluator.Met, "III"},
		{"an answer of no level", atLeastII, []vfact{class("10828004", 6)}, evaluator.Unknown, "is none of the levels I, II, III, IV"},
		{"the latest decides", atLeastII, []vfact{class("420913000", 40), class("420300004", 6)}, evaluator.NotMet, "class I"},
		{"out of the window", atLeastII, []vfact{class("420913000", 93)}, evaluator.Unknown, "no NYHA class in the 3 months up to 2026-11-01"},
		{"a Condition coded with a class", atLeastII, []vfact{snomedCondition("420913000", daysBefore(20))}, evaluator.Met, "NYHA class III recorded as a condition from 2026-10-12 >= II"},
		{"a newer Observation beats an older Condition", atLeastII, []vfact{snomedCondition("420913000", daysBefore(20)), class("420300004", 6)}, evaluator.NotMet, "class I on"},
		{"a newer Condition beats an older Observation", atLeastII, []vfact{snomedCondition("420913000", daysBefore(2)), class("420300004", 6)}, evaluator.Met, "condition"},
		{"a Condition out of the window", atLeastII, []vfact{snomedCondition("420913000", daysBefore(100))}, evaluator.Unknown, "no NYHA class"},
		{"at most", `patient.ordinal_at_most("nyha", "II")`, []vfact{class("420913000", 6)}, evaluator.NotMet, "III on 2026-10-26 > II"},
	})
}

func TestDerived(t *testing.T) {
	creat := func(v float64, days float64) vfact { return lab("2160-0", v, "mg/dL", days) }
	egfr := `patient.lab_at_least("egfr", "20 mL/min/{1.73_m2}")`
	bmi := `patient.lab_at_least("bmi", "50 kg/m2")`
	runVocabulary(t, []vcase{
		{"eGFR derived, female 68", egfr, []vfact{creat(1.3, 6)}, evaluator.Met,
			"eGFR 44.8 mL/min/{1.73_m2} derived (CKD-EPI 2021) from creatinine 1.3 mg/dL on 2026-10-26, female, age 68 >= 20"},
		{"eGFR derived below 20", egfr, []vfact{creat(2.6, 6)}, evaluator.NotMet, "eGFR 19.5"},
		{"eGFR derived, male", egfr, []vfact{gender("male"), creat(1.3, 6)}, evaluator.Met, "eGFR 59.8"},
		{"eGFR from umol/L", egfr, []vfact{lab("2160-0", 229.8, "umol/L", 6)}, evaluator.NotMet, "creatinine 2.599 mg/dL (229.8 umol/L)"},
		{"a newer creatinine beats a reported eGFR", egfr, []vfact{lab("98979-8", 24, "mL/min/{1.73_m2}", 24), creat(2.6, 6)}, evaluator.NotMet, "derived"},
		{"a newer reported eGFR beats creatinine", egfr, []vfact{lab("98979-8", 20, "mL/min/1.73m2", 5), creat(2.55, 6)}, evaluator.Met, "eGFR 20 mL/min/{1.73_m2} on 2026-10-27"},
		{"a reported eGFR at the creatinine's time is used", egfr, []vfact{lab("98979-8", 25, "mL/min/{1.73_m2}", 6), creat(2.6, 6)}, evaluator.Met, "eGFR 25"},
		{"sex not recorded", egfr, []vfact{gender(""), creat(1.3, 6)}, evaluator.Unknown, "eGFR cannot be derived: sex not recorded"},
		{"no creatinine and no eGFR", egfr, nil, evaluator.Unknown, "no eGFR in the 28 days up to 2026-11-01, and it cannot be derived: no creatinine in the 28 days up to 2026-11-01"},
		{"a minor", egfr, []vfact{born(2010, 1, 1), creat(0.6, 6)}, evaluator.Unknown, "CKD-EPI 2021 is for adults"},
		{"BMI derived", bmi, []vfact{lab("29463-7", 148, "kg", 6), lab("8302-2", 170, "cm", 6)}, evaluator.Met,
			"BMI 51.2 kg/m2 derived (weight / height²) from weight 148 kg on 2026-10-26 and height 170 cm on 2026-10-26 >= 50 kg/m2"},
		{"BMI derived below", bmi, []vfact{lab("29463-7", 144, "kg", 6), lab("8302-2", 170, "cm", 6)}, evaluator.NotMet, "BMI 49.8"},
		{"BMI from an old height", bmi, []vfact{lab("29463-7", 330, "[lb_av]", 6), lab("8302-2", 67, "[in_i]", 2000)}, evaluator.Met, "BMI 51.7"},
		{"a reported BMI at the weight's time", bmi, []vfact{lab("39156-5", 28.2, "kg/m2", 6), lab("29463-7", 74, "kg", 6), lab("8302-2", 162, "cm", 6)}, evaluator.NotMet, "BMI 28.2 kg/m2 on 2026-10-26"},
		{"no height", bmi, []vfact{lab("29463-7", 148, "kg", 6)}, evaluator.Unknown, "no height up to 2026-11-01"},
	})
}

// stayFor adds an Encounter of a class from start to end (zero: ongoing),
// with a reason code or a named Condition.
func stayFor(class, status string, start, end time.Time, reasonCode string, conditions ...string) vfact {
	return func(p *facts.Patient, n int) {
		e := &facts.Encounter{Meta: facts.Meta{Ref: fmt.Sprintf("Encounter/e-%d", n)}, Class: class, Status: status,
			Start: start, End: end, Conditions: conditions}
		if reasonCode != "" {
			e.ReasonCodes = coding(snomed, reasonCode)
		}
		apply(p, facts.Resource{Encounter: e})
	}
}

// conditionAs adds a Condition with a given reference.
func conditionAs(ref, code string) vfact {
	return func(p *facts.Patient, _ int) {
		apply(p, facts.Resource{Condition: &facts.Condition{Meta: facts.Meta{Ref: ref}, Codes: coding(snomed, code),
			Display: "Chronic congestive heart failure", Clinical: "resolved", Onset: date(2019, 5, 14)}})
	}
}

func TestHospitalizedFor(t *testing.T) {
	hf, rule := "84114007", `patient.hospitalized_for("heart-failure", "4wk")`
	runVocabulary(t, []vcase{
		{"a stay for HF 2 weeks ago", rule, []vfact{stayFor("IMP", "finished", daysBefore(18), daysBefore(13), hf)}, evaluator.Met,
			"hospital stay for heart failure in the 4 weeks up to 2026-11-01: 2026-10-14 to 2026-10-19 (heart failure)"},
		{"ambulatory is not a stay", rule, []vfact{stayFor("AMB", "finished", daysBefore(18), daysBefore(18), hf)}, evaluator.NotMet,
			"no hospital stay for heart failure in the 4 weeks up to 2026-11-01"},
		{"emergency is not a stay", rule, []vfact{stayFor("EMER", "finished", daysBefore(18), daysBefore(17), hf)}, evaluator.NotMet, ""},
		{"discharged 27 days ago", rule, []vfact{stayFor("ACUTE", "finished", daysBefore(35), daysBefore(27), hf)}, evaluator.Met, "2026-09-27 to 2026-10-05"},
		{"discharged exactly 4 weeks ago", rule, []vfact{stayFor("IMP", "finished", daysBefore(35), daysBefore(28), hf)}, evaluator.NotMet, ""},
		{"still in hospital", rule, []vfact{stayFor("IMP", "in-progress", daysBefore(40), time.Time{}, hf)}, evaluator.Met, "since 2026-09-22"},
		{"cancelled", rule, []vfact{stayFor("IMP", "cancelled", daysBefore(18), daysBefore(13), hf)}, evaluator.NotMet, ""},
		{"planned ahead", rule, []vfact{stayFor("IMP", "planned", asOf.AddDate(0, 0, 3), time.Time{}, hf)}, evaluator.NotMet, ""},
		{"for another reason", rule, []vfact{stayFor("IMP", "finished", daysBefore(18), daysBefore(13), "49436004")}, evaluator.NotMet, ""},
		{"a named Condition of HF", rule, []vfact{conditionAs("Condition/hf", hf), stayFor("IMP", "finished", daysBefore(18), daysBefore(13), "", "Condition/hf")},
			evaluator.Met, "(Chronic congestive heart failure)"},
		{"a named Condition of something else", rule, []vfact{conditionAs("Condition/af", "49436004"), stayFor("IMP", "finished", daysBefore(18), daysBefore(13), "", "Condition/af")},
			evaluator.NotMet, ""},
		{"a named Condition not on record", rule, []vfact{stayFor("IMP", "finished", daysBefore(18), daysBefore(13), "", "Condition/missing")}, evaluator.NotMet, ""},
		{"12 months, calendar", `patient.hospitalized_for("heart-failure", "12mo")`, []vfact{stayFor("IMP", "finished", date(2025, 8, 10), date(2025, 8, 16), hf)}, evaluator.NotMet, ""},
		{"12 months, inside", `patient.hospitalized_for("heart-failure", "12mo")`, []vfact{stayFor("IMP", "finished", date(2025, 10, 28), date(2025, 11, 2), hf)}, evaluator.Met, ""},
	})
}

// TestValidUntil: the new functions name when their answer changes.
func TestValidUntilOfNewFunctions(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		facts []vfact
		want  time.Time
	}{
		{"a stay leaves the span", `patient.hospitalized_for("heart-failure", "4wk")`,
			[]vfact{stayFor("IMP", "finished", daysBefore(18), daysBefore(13), "84114007")}, daysBefore(13).AddDate(0, 0, 28)},
		{"an LVEF above leaves the 90 days", `patient.no_lab_above("lvef", "40 %", "90d")`,
			[]vfact{lab("10230-1", 45, "%", 73)}, daysBefore(73).AddDate(0, 0, 90)},
		{"a birthday changes the derived eGFR", `patient.lab_at_least("egfr", "20 mL/min/{1.73_m2}")`,
			[]vfact{born(1958, 11, 10), lab("2160-0", 2.548, "mg/dL", 6)}, date(2026, 11, 10)},
		{"the 18th birthday", `patient.age_at_least(18)`, []vfact{born(2009, 1, 2)}, date(2027, 1, 2)},
		{"a NYHA class leaves the window", `patient.ordinal_at_least("nyha", "II")`,
			[]vfact{codedResult("88020-3", coding(snomed, "421704003"), 6)}, daysBefore(6).AddDate(0, 3, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := facts.NewPatient("Patient/v")
			p.Apply(facts.Resource{Patient: p.ID, Demographics: &facts.Demographics{Meta: facts.Meta{Ref: "Patient/v"},
				BirthDate: time.Date(1958, 4, 12, 0, 0, 0, 0, time.UTC), Gender: "female"}})
			for i, f := range tt.facts {
				f(p, i)
			}
			ev := vocabularyProgram(t, tt.rule).Evaluate(p, asOf)
			if ev.ValidUntil == nil || !ev.ValidUntil.Equal(tt.want) {
				t.Errorf("valid until %v, want %v (%s)", ev.ValidUntil, tt.want, ev.Criteria[0].Reason)
			}
		})
	}
}

// drug adds a MedicationStatement of empagliflozin from start to end (zero:
// ongoing when active).
func drug(status string, start, end time.Time) vfact {
	return func(p *facts.Patient, n int) {
		apply(p, facts.Resource{Medication: &facts.Medication{Meta: facts.Meta{Ref: fmt.Sprintf("MedicationStatement/m-%d", n)},
			Texts: []string{"empagliflozin 10 MG Oral Tablet"}, Status: status, Start: start, End: end}})
	}
}

func TestNowAndEverSpans(t *testing.T) {
	now, recent := `patient.exposed_within("sglt2-inhibitor", "now")`, `patient.exposed_within("sglt2-inhibitor", "28d")`
	runVocabulary(t, []vcase{
		{"taking it now", now, []vfact{drug("active", daysBefore(10), time.Time{})}, evaluator.Met, "SGLT2 inhibitor at 2026-11-01"},
		{"stopped 3 days ago is not now", now, []vfact{drug("completed", daysBefore(60), daysBefore(3))}, evaluator.NotMet, "no SGLT2 inhibitor at 2026-11-01"},
		{"stopped 3 days ago is within 28 days", recent, []vfact{drug("completed", daysBefore(60), daysBefore(3))}, evaluator.Met, "in the 28 days"},
		{"ending today is now", now, []vfact{drug("completed", daysBefore(60), asOf)}, evaluator.Met, ""},
		{"ever", `patient.exposed_within("sglt2-inhibitor", "ever")`, []vfact{drug("completed", date(2001, 1, 1), date(2001, 3, 1))}, evaluator.Met, "SGLT2 inhibitor up to 2026-11-01"},
	})
}
