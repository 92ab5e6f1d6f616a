package fhirmap

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// byRef indexes results by Ref, failing on a rejection unless allowed.
func byRef(t *testing.T, results []Result) map[string]Result {
	t.Helper()
	out := map[string]Result{}
	for _, r := range results {
		out[r.Ref] = r
	}
	return out
}

// fact returns the mapped fact of ref, failing the test when there is none.
func fact(t *testing.T, rs map[string]Result, ref string) *facts.Resource {
	t.Helper()
	r, ok := rs[ref]
	if !ok {
		t.Fatalf("no result for %s", ref)
	}
	if r.Fact == nil {
		t.Fatalf("%s: not mapped (ignored %q, err %v)", ref, r.Ignored, r.Err)
	}
	return r.Fact
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReferenceForms(t *testing.T) {
	rs := byRef(t, readFile(t, newTestMapper(t, Options{}), "testdata/references.json"))
	tests := []struct {
		name, ref, patient string
	}{
		{"Patient without id named by its urn:uuid fullUrl", "Patient/11111111-1111-4111-8111-111111111111", "Patient/11111111-1111-4111-8111-111111111111"},
		{"urn:uuid resolved through the Bundle", "Observation/obs-urn", "Patient/11111111-1111-4111-8111-111111111111"},
		{"relative Type/id", "Observation/obs-relative", "Patient/p2"},
		{"absolute URL of another server is another source", "Observation/obs-absolute", "https://other.example.org/fhir/Patient/p3"},
		{"relative with _history", "Observation/obs-history", "Patient/p2"},
		{"absolute URL that is a fullUrl", "Observation/obs-fullurl", "Patient/p2"},
		{"Immunization.patient", "Immunization/imm-patient", "Patient/p2"},
		{"AllergyIntolerance.patient by urn:uuid", "AllergyIntolerance/allergy-urn", "Patient/11111111-1111-4111-8111-111111111111"},
		{"resource without id named by its fullUrl", "Observation/33333333-3333-4333-8333-333333333333", "Patient/p2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fact(t, rs, tt.ref).Patient; got != tt.patient {
				t.Errorf("patient = %q, want %q", got, tt.patient)
			}
		})
	}
}

// TestSources: two servers' Patient/x are two patients unless the
// configuration says they are one source; a message's source is its
// publisher's; relative references follow the resource making them.
func TestSources(t *testing.T) {
	obs := func(subject string) []byte {
		return []byte(`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"subject":{"reference":"` + subject + `"}}`)
	}
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
	  {"fullUrl":"https://hosp-b.example/fhir/Patient/x","resource":{"resourceType":"Patient","id":"x"}},
	  {"fullUrl":"https://hosp-b.example/fhir/Observation/o","resource":{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/x"}}},
	  {"fullUrl":"https://hosp-b.example/fhir/Observation/o2","resource":{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"x"},"subject":{"reference":"https://hosp-b.example/fhir/Patient/x"}}}]}`
	aliased := map[string]string{"https://HOSP-B.example/fhir/": ""}
	named := map[string]string{"https://hosp-b.example/fhir": "https://hosp-b.example/fhir"}
	tests := []struct {
		name    string
		sources map[string]string
		data    []byte
		source  string // the message's
		want    []string
	}{
		{"relative, local", nil, obs("Patient/x"), "", []string{"Patient/x"}},
		{"absolute, another server", nil, obs("https://hosp-b.example/fhir/Patient/x"), "", []string{"https://hosp-b.example/fhir/Patient/x"}},
		{"absolute, aliased to local", aliased, obs("https://hosp-b.example/fhir/Patient/x"), "", []string{"Patient/x"}},
		{"relative, message from another source", nil, obs("Patient/x"), "https://hosp-b.example/fhir", []string{"https://hosp-b.example/fhir/Patient/x"}},
		{"Bundle of an unlisted server: the message's source", nil, []byte(bundle), "", []string{"Patient/x", "Patient/x", "Patient/x"}},
		{"Bundle of a listed server", named, []byte(bundle), "", []string{"https://hosp-b.example/fhir/Patient/x", "https://hosp-b.example/fhir/Patient/x", "https://hosp-b.example/fhir/Patient/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range newTestMapper(t, Options{Sources: tt.sources}).Map(tt.data, Position{File: "m", Source: tt.source}) {
				if r.Fact == nil {
					t.Fatalf("%s: %v %s", r.Pos, r.Err, r.Ignored)
				}
				got = append(got, r.Fact.Patient)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("patients %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMedicationReferences(t *testing.T) {
	rs := byRef(t, readFile(t, newTestMapper(t, Options{}), "testdata/references.json"))
	tests := []struct {
		name, ref   string
		ingredients []string
		display     string
		dose        float64 // 0: not computed
	}{
		{"in-Bundle Medication by urn:uuid, tablets x strength", "MedicationRequest/rx-urn", []string{"prednisone"}, "predniSONE 5 MG Oral Tablet", 10},
		{"in-Bundle Medication by Type/id", "MedicationRequest/rx-type-id", []string{"prednisone"}, "predniSONE 5 MG Oral Tablet", 0},
		{"in-Bundle Medication by absolute fullUrl", "MedicationRequest/rx-absolute", []string{"mycophenolate"}, "Mycophenolate mofetil 500 MG Oral Tablet", 0},
		{"contained Medication", "MedicationStatement/ms-contained", []string{"methylprednisolone"}, "Methylprednisolone 4 MG Oral Tablet", 0},
		{"unresolvable reference: its display", "MedicationStatement/ms-display", []string{"prednisone"}, "prednisone 20 MG Oral Tablet", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			med := fact(t, rs, tt.ref).Medication
			v := testVocabulary(t)
			if got := v.Ingredients(v.Match(med.Codes, med.Texts...)); strings.Join(got, ",") != strings.Join(tt.ingredients, ",") {
				t.Errorf("ingredients = %v, want %v", got, tt.ingredients)
			}
			if med.Display != tt.display {
				t.Errorf("display = %q, want %q", med.Display, tt.display)
			}
			if tt.dose != 0 && (med.DailyDoseMg == nil || *med.DailyDoseMg != tt.dose) {
				t.Errorf("daily dose = %v (%s), want %v", med.DailyDoseMg, med.DoseNote, tt.dose)
			}
		})
	}
	for _, ref := range []string{"Medication/med-pred", "Medication/med-abs"} {
		if r := rs[ref]; r.Ignored == "" {
			t.Errorf("%s: want ignored (read only through references), got %+v", ref, r)
		}
	}
}

func TestDates(t *testing.T) {
	rs := byRef(t, readFile(t, newFullMapper(t), "testdata/dates.json"))
	effective := func(f *facts.Resource) time.Time { return f.Observation.Effective }
	tests := []struct {
		name, ref string
		get       func(*facts.Resource) time.Time
		want      string // RFC 3339; "" for the zero time
	}{
		{"date without time is midnight UTC", "Observation/date-only", effective, "2026-05-17T00:00:00Z"},
		{"year-month is its first instant", "Observation/month-only", effective, "2026-05-01T00:00:00Z"},
		{"year is its first instant", "Observation/year-only", effective, "2026-01-01T00:00:00Z"},
		{"offset kept as an instant", "Observation/offset", effective, "2026-05-17T21:30:00Z"},
		{"effectivePeriod end", "Observation/period-end", effective, "2026-05-16T09:15:00Z"},
		{"effectivePeriod start without end", "Observation/period-start", effective, "2026-05-15T08:00:00Z"},
		{"effectiveInstant", "Observation/instant", effective, "2026-05-14T15:11:12.5Z"},
		{"issued when nothing else", "Observation/issued-only", effective, "2026-05-13T07:00:00Z"},
		{"no time at all", "Observation/no-time", effective, ""},
		{"partial birthDate", "Patient/d1", func(f *facts.Resource) time.Time { return f.Demographics.BirthDate }, "1990-07-01T00:00:00Z"},
		{"meta.lastUpdated", "Patient/d1", func(f *facts.Resource) time.Time { return f.Demographics.LastUpdated }, "2026-05-18T07:00:00.123Z"},
		{"onsetDateTime", "Condition/onset-date", func(f *facts.Resource) time.Time { return f.Condition.Onset }, "2023-09-15T00:00:00Z"},
		{"recordedDate with offset", "Condition/onset-date", func(f *facts.Resource) time.Time { return f.Condition.Recorded }, "2023-10-02T04:00:00Z"},
		{"onsetPeriod.start", "Condition/onset-period", func(f *facts.Resource) time.Time { return f.Condition.Onset }, "2023-09-01T00:00:00Z"},
		{"abatementDateTime", "Condition/onset-period", func(f *facts.Resource) time.Time { return f.Condition.Abatement }, "2024-01-20T00:00:00Z"},
		{"abatementPeriod.end", "Condition/onset-age", func(f *facts.Resource) time.Time { return f.Condition.Abatement }, "2025-03-01T00:00:00Z"},
		{"abatementString has no time", "Condition/abated-string", func(f *facts.Resource) time.Time { return f.Condition.Abatement }, ""},
		{"performedPeriod.start", "Procedure/performed-period", func(f *facts.Resource) time.Time { return f.Procedure.Performed }, "2018-03-01T08:00:00Z"},
		{"performedPeriod.end", "Procedure/performed-period", func(f *facts.Resource) time.Time { return f.Procedure.Ended }, "2018-03-01T13:30:00Z"},
		{"performedDateTime", "Procedure/performed-date", func(f *facts.Resource) time.Time { return f.Procedure.Performed }, "2026-10-25T00:00:00Z"},
		{"occurrenceDateTime partial", "Immunization/occurrence", func(f *facts.Resource) time.Time { return f.Immunization.Occurrence }, "2026-10-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.get(fact(t, rs, tt.ref))
			if tt.want == "" {
				if !got.IsZero() {
					t.Errorf("got %v, want the zero time", got)
				}
				return
			}
			if !got.Equal(utc(tt.want)) || got.Location() != time.UTC {
				t.Errorf("got %v, want %s in UTC", got, tt.want)
			}
		})
	}
}

func TestConditionFields(t *testing.T) {
	rs := byRef(t, readFile(t, newFullMapper(t), "testdata/dates.json"))
	c := fact(t, rs, "Condition/onset-date").Condition
	if c.Clinical != "active" || c.Verification != "confirmed" || c.Abated || conceptsOf(t, c.Codes, c.Text) != "sle" {
		t.Errorf("onset-date = %+v", c)
	}
	if c := fact(t, rs, "Condition/onset-period").Condition; conceptsOf(t, c.Codes, c.Text) != "sle" || !c.Abated {
		t.Errorf("ICD-10-CM M32.14 under prefix M32.1*, abated: %+v", c)
	}
	c = fact(t, rs, "Condition/onset-age").Condition
	if c.OnsetAge == nil || *c.OnsetAge != (facts.Quantity{Value: 34, Unit: "a"}) {
		t.Errorf("onsetAge = %+v, want 34 a", c.OnsetAge)
	}
	c = fact(t, rs, "Condition/abated-string").Condition
	if !c.Abated || !c.Retracted || c.OnsetAge == nil || c.OnsetAge.Unit != "mo" {
		t.Errorf("abated-string = %+v: want abated, retracted, onset age in mo", c)
	}
}

func TestValues(t *testing.T) {
	rs := byRef(t, readFile(t, newTestMapper(t, Options{}), "testdata/values.json"))
	tests := []struct {
		ref  string
		want facts.Value
	}{
		{"Observation/quantity-ucum", facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 3.2, Unit: "10*9/L"}}},
		{"Observation/quantity-unit-text", facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 124, Unit: "g/L"}}},
		{"Observation/quantity-comparator", facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 0.1, Unit: "10*9/L", Comparator: "<"}}},
		{"Observation/quantity-no-value", facts.Value{}},
		{"Observation/string", facts.Value{Kind: facts.StringValue, Text: "1:40"}},
		{"Observation/boolean", facts.Value{Kind: facts.BoolValue, Bool: false}},
		{"Observation/integer", facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: 7}}},
		{"Observation/ratio", facts.Value{Kind: facts.RatioValue, Ratio: [2]float64{1, 160}}},
		{"Observation/half-ratio", facts.Value{}},
		{"Observation/range", facts.Value{}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got := fact(t, rs, tt.ref).Observation.Value
			if got.Kind != tt.want.Kind || got.Quantity != tt.want.Quantity || got.Text != tt.want.Text ||
				got.Bool != tt.want.Bool || got.Ratio != tt.want.Ratio || len(got.Codes) != 0 {
				t.Errorf("value = %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("coded", func(t *testing.T) {
		v := fact(t, rs, "Observation/coded").Observation.Value
		if v.Kind != facts.CodedValue || v.Text != "positive" || len(v.Codes) != 1 || v.Codes[0].Code != "10828004" {
			t.Errorf("value = %+v", v)
		}
	})
}

func TestObservationFields(t *testing.T) {
	rs := byRef(t, readFile(t, newTestMapper(t, Options{}), "testdata/values.json"))
	o := fact(t, rs, "Observation/quantity-ucum").Observation
	if len(o.Codes) != 2 || conceptsOf(t, o.Codes) != "anc" {
		t.Errorf("codes %v: want both codings, the LOINC one meaning anc", o.Codes)
	}
	if o.RefLow == nil || *o.RefLow != (facts.Quantity{Value: 1.8, Unit: "10*9/L"}) || o.RefHigh == nil || o.RefHigh.Value != 7.7 {
		t.Errorf("reference range = %v..%v, want referenceRange[0] 1.8..7.7", o.RefLow, o.RefHigh)
	}
	if got := fact(t, rs, "Observation/quantity-comparator").Observation.Interpretation; strings.Join(got, ",") != "L,LL,A" {
		t.Errorf("interpretation = %v, want every code of every interpretation", got)
	}
	o = fact(t, rs, "Observation/spo2-with-components").Observation
	if len(o.Components) != 2 || conceptsOf(t, o.Components[0].Codes) != "inhaled-oxygen" || o.Components[0].Value.Quantity.Value != 2 ||
		o.Components[1].Value.Quantity != (facts.Quantity{Value: 120, Unit: "mm[Hg]"}) {
		t.Errorf("components = %+v, want the 3151-8 flow and the 8480-6 systolic pressure", o.Components)
	}
	if r := fact(t, rs, "Observation/unmatched"); r.Relevant {
		t.Errorf("Observations match codes only, not names in text: %v is relevant", r.Observation.Codes)
	}
	o = fact(t, rs, "Observation/retracted").Observation
	if !o.Retracted || o.VersionID != "2" || !o.LastUpdated.Equal(utc("2026-10-30T12:00:00Z")) {
		t.Errorf("retracted = %+v", o.Meta)
	}
}

func TestDailyDose(t *testing.T) {
	rs := byRef(t, readFile(t, newFullMapper(t), "testdata/doses.json"))
	tests := []struct {
		id    string
		mg    float64 // want when note is ""
		note  string  // want a DoseNote containing it, and no dose
		route string
	}{
		{id: "mg-repeat", mg: 10, route: "oral"},
		{id: "tablets-bid", mg: 20, route: "oral"},
		{id: "tablet-text-tid", mg: 12, route: "oral"},
		{id: "orderable-tab-qd", mg: 3.75, route: ""},
		{id: "grams-every-12h", mg: 1000, route: "oral"},
		{id: "ug-weekly-iv", mg: 100, route: "other"},
		{id: "monthly-mcg", mg: 10},
		{id: "qod", mg: 10},
		{id: "mycophenolic-acid", mg: 1440},
		{id: "millilitres", note: "dose 2 mL is not a mass"},
		{id: "tablet-no-strength", note: `no "N MG" strength`},
		{id: "tablet-two-strengths", note: "several strengths"},
		{id: "no-timing", note: "no timing"},
		{id: "minutes", note: `unit "min"`},
		{id: "unknown-code", note: `"Q4H"`},
		{id: "no-dosage", note: "no dosage"},
		{id: "dose-range", note: "range"},
		{id: "inhaled", note: "no dose", route: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			med := fact(t, rs, "MedicationStatement/"+tt.id).Medication
			switch {
			case tt.note != "" && (med.DailyDoseMg != nil || !strings.Contains(med.DoseNote, tt.note)):
				t.Errorf("dose %v note %q, want no dose and a note with %q", med.DailyDoseMg, med.DoseNote, tt.note)
			case tt.note == "" && (med.DailyDoseMg == nil || *med.DailyDoseMg != tt.mg):
				t.Errorf("dose %v (%s), want %v mg/day", med.DailyDoseMg, med.DoseNote, tt.mg)
			}
			if med.Route != tt.route {
				t.Errorf("route = %q, want %q", med.Route, tt.route)
			}
		})
	}
}

func TestRequestPeriods(t *testing.T) {
	rs := byRef(t, readFile(t, newTestMapper(t, Options{}), "testdata/request-periods.json"))
	tests := []struct {
		id, start, end string
	}{
		{"bounds", "2026-10-02T09:00:00Z", "2026-10-09T09:00:00Z"},
		{"validity", "2026-10-01T00:00:00Z", "2026-12-31T00:00:00Z"},
		{"authored", "2026-10-01T18:30:00Z", ""},
		{"retracted", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			med := fact(t, rs, "MedicationRequest/"+tt.id).Medication
			for _, c := range []struct {
				got  time.Time
				want string
			}{{med.Start, tt.start}, {med.End, tt.end}} {
				if (c.want == "" && !c.got.IsZero()) || (c.want != "" && !c.got.Equal(utc(c.want))) {
					t.Errorf("start..end = %v..%v, want %s..%s", med.Start, med.End, tt.start, tt.end)
				}
			}
		})
	}
	if med := fact(t, rs, "MedicationRequest/retracted").Medication; !med.Retracted {
		t.Errorf("entered-in-error request not retracted")
	}
}

func TestNestedBundle(t *testing.T) {
	results := readFile(t, newTestMapper(t, Options{}), "testdata/nested-bundle.json")
	want := []struct {
		pos, ref, outcome string
	}{
		{"nested-bundle.json entry[0]", "Patient/n1", "fact"},
		{"nested-bundle.json entry[1].resource.entry[0]", "Observation/inner-hb", "fact"},
		{"nested-bundle.json entry[1].resource.entry[1]", "Location/inner-location", "ignored"},
		{"nested-bundle.json entry[1].resource.entry[2]", "", "ignored"},
		{"nested-bundle.json entry[1].resource.entry[3].resource.entry[0]", "Condition/innermost", "fact"},
		{"nested-bundle.json entry[2]", "", "ignored"},
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(results), len(want), results)
	}
	for i, w := range want {
		r := results[i]
		if r.Pos.String() != w.pos || r.Ref != w.ref || outcome(r) != w.outcome {
			t.Errorf("result %d = %s %s %s, want %s %s %s", i, r.Pos, r.Ref, outcome(r), w.pos, w.ref, w.outcome)
		}
	}
	if p := results[1].Fact.Patient; p != "Patient/n1" {
		t.Errorf("inner urn:uuid resolved through the outer Bundle: patient %q, want Patient/n1", p)
	}
}

// outcome names which of a Result's fields is set, checking that exactly one is.
func outcome(r Result) string {
	n := 0
	var o string
	if r.Fact != nil {
		n, o = n+1, "fact"
	}
	if r.Ignored != "" {
		n, o = n+1, "ignored"
	}
	if r.Err != nil {
		n, o = n+1, "rejected"
	}
	if n != 1 {
		return "invalid"
	}
	return o
}

func TestNDJSONBadLine(t *testing.T) {
	results := readFile(t, newTestMapper(t, Options{}), "testdata/mixed.ndjson")
	want := []struct {
		line    int
		outcome string
		err     error
	}{
		{1, "fact", nil},
		{2, "fact", nil},
		{3, "rejected", ErrNotJSON},
		{5, "fact", nil}, // line 4 is blank
		{6, "ignored", nil},
		{7, "rejected", ErrNotFHIR},
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d", len(results), len(want))
	}
	for i, w := range want {
		r := results[i]
		if r.Pos.Line != w.line || outcome(r) != w.outcome || (w.err != nil && !errors.Is(r.Err, w.err)) {
			t.Errorf("result %d: line %d %s %v, want line %d %s %v", i, r.Pos.Line, outcome(r), r.Err, w.line, w.outcome, w.err)
		}
	}
	if msg := results[2].Err.Error(); !strings.HasPrefix(msg, "mixed.ndjson:3: ") {
		t.Errorf("error %q does not start with the file and line", msg)
	}
}

func TestDeceasedMapped(t *testing.T) {
	m := newTestMapper(t, Options{})
	cases := []struct {
		body     string
		deceased bool
		at       string
	}{
		{`{"resourceType":"Patient","id":"a"}`, false, ""},
		{`{"resourceType":"Patient","id":"a","deceasedBoolean":false}`, false, ""},
		{`{"resourceType":"Patient","id":"a","deceasedBoolean":true}`, true, ""},
		{`{"resourceType":"Patient","id":"a","deceasedDateTime":"2026-10-03"}`, true, "2026-10-03T00:00:00Z"},
	}
	for _, c := range cases {
		rs := m.Map([]byte(c.body), Position{File: "p.json"})
		if len(rs) != 1 || rs[0].Fact == nil {
			t.Fatalf("%s: %+v", c.body, rs)
		}
		d := rs[0].Fact.Demographics
		if d.Deceased != c.deceased || (c.at == "" && !d.DeceasedAt.IsZero()) || (c.at != "" && !d.DeceasedAt.Equal(utc(c.at))) {
			t.Errorf("%s: deceased %v at %v, want %v at %q", c.body, d.Deceased, d.DeceasedAt, c.deceased, c.at)
		}
	}
}
