package evaluator_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// asOf is the evaluation time of every case, as in the shared scenarios.
var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func daysBefore(n float64) time.Time {
	return asOf.Add(-time.Duration(n * 24 * float64(time.Hour)))
}

func program(t testing.TB) *evaluator.Program {
	t.Helper()
	p, err := evaluator.Compile(sleTrial())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sleTrial is the shipped SLE trial's definition.
var sleTrial = sync.OnceValue(func() evaluator.Trial {
	trials, err := config.ShippedTrials()
	if err != nil {
		panic(err)
	}
	for _, tr := range trials {
		if tr.ID == "sle-refractory" {
			return tr
		}
	}
	panic("sle-refractory not shipped")
})

// codesOf names a concept of the SLE trial as a feed would: by the first of
// its codes, else (for a drug known by name) by its first name.
func codesOf(concept string) ([]facts.Coding, []string) {
	for _, k := range sleTrial().Concepts {
		if k.Name != concept {
			continue
		}
		if len(k.Codes) > 0 {
			return k.Codes[:1], nil
		}
		return nil, k.Names[:1]
	}
	panic("no concept " + concept)
}

func codes(concept string) []facts.Coding {
	c, _ := codesOf(concept)
	return c
}

// means reports whether codes name the concept (as codesOf writes it).
func means(cs []facts.Coding, texts []string, concept string) bool {
	want, names := codesOf(concept)
	if len(want) > 0 {
		return len(cs) > 0 && cs[0] == want[0]
	}
	return len(texts) > 0 && texts[0] == names[0]
}

// builder assembles a patient fact by fact; ids are generated.
type builder struct {
	p *facts.Patient
	n int
}

func newBuilder() *builder {
	b := &builder{p: facts.NewPatient("Patient/t")}
	b.p.Apply(facts.Resource{Patient: "Patient/t", Demographics: &facts.Demographics{Meta: facts.Meta{Ref: "Patient/t"},
		BirthDate: time.Date(1992, 3, 15, 0, 0, 0, 0, time.UTC), Gender: "female"}})
	return b
}

func (b *builder) ref(kind string) string {
	b.n++
	return fmt.Sprintf("%s/x%d", kind, b.n)
}

func (b *builder) lab(concept string, v float64, unit string, at time.Time, opts ...func(*facts.Observation)) *builder {
	o := &facts.Observation{Meta: facts.Meta{Ref: b.ref("Observation")}, Codes: codes(concept), Status: "final", Effective: at,
		Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: v, Unit: unit}}}
	for _, f := range opts {
		f(o)
	}
	b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Observation: o})
	return b
}

func refRange(low, high float64, unit string) func(*facts.Observation) {
	return func(o *facts.Observation) {
		o.RefLow = &facts.Quantity{Value: low, Unit: unit}
		o.RefHigh = &facts.Quantity{Value: high, Unit: unit}
	}
}

func coded(concept string, code facts.Coding, at time.Time) func(*builder) {
	return func(b *builder) {
		o := &facts.Observation{Meta: facts.Meta{Ref: b.ref("Observation")}, Codes: codes(concept), Status: "final", Effective: at,
			Value: facts.Value{Kind: facts.CodedValue, Codes: []facts.Coding{code}}}
		b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Observation: o})
	}
}

var (
	negative    = facts.Coding{System: "http://snomed.info/sct", Code: "260385009"}
	positive    = facts.Coding{System: "http://snomed.info/sct", Code: "10828004"}
	notDetected = facts.Coding{System: "http://snomed.info/sct", Code: "260415000"}
)

func (b *builder) condition(concept, clinical string, onset time.Time) *builder {
	cs, texts := codesOf(concept)
	c := &facts.Condition{Meta: facts.Meta{Ref: b.ref("Condition")}, Codes: cs, Display: concept, Clinical: clinical, Onset: onset}
	if len(texts) > 0 {
		c.Text = texts[0]
	}
	b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Condition: c})
	return b
}

// med adds a MedicationStatement of the first concept, an ingredient (the
// others are the classes that include it, for the reader).
func (b *builder) med(concepts []string, status string, start, end time.Time, dose float64) *builder {
	cs, texts := codesOf(concepts[0])
	m := &facts.Medication{Meta: facts.Meta{Ref: b.ref("MedicationStatement")}, Codes: cs, Texts: texts,
		Status: status, Start: start, End: end, Route: "oral"}
	if dose >= 0 {
		m.DailyDoseMg = &dose
	}
	b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Medication: m})
	return b
}

var (
	hcq  = []string{"hydroxychloroquine", "antimalarial", "standard-treatment"}
	mmf  = []string{"mycophenolate", "immunosuppressant", "standard-treatment"}
	aza  = []string{"azathioprine", "immunosuppressant", "standard-treatment"}
	pred = []string{"prednisone", "corticosteroid", "standard-treatment"}
)

var never time.Time

// base is the shared scenarios' BASE patient as facts: a candidate.
func base() *builder {
	b := newBuilder()
	b.condition("sle", "active", time.Date(2023, 9, 15, 0, 0, 0, 0, time.UTC))
	b.med(hcq, "active", time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), never, 400)
	b.med(mmf, "active", time.Date(2025, 10, 15, 0, 0, 0, 0, time.UTC), never, 2000)
	b.med(pred, "active", time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC), never, 10)
	b.med(aza, "completed", time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), 100)
	day := daysBefore(6)
	b.lab("anc", 3.2, "10*3/uL", day).lab("hemoglobin", 12.4, "g/dL", day).lab("platelets", 210, "10*3/uL", day).
		lab("alc", 1.1, "10*3/uL", day).lab("inr", 1.0, "{INR}", day, refRange(0.8, 1.2, "{INR}")).
		lab("aptt", 31, "s", day, refRange(25, 40, "s")).lab("alt", 24, "U/L", day, refRange(7, 40, "U/L")).
		lab("ast", 27, "U/L", day, refRange(8, 40, "U/L")).lab("bilirubin", 0.6, "mg/dL", day, refRange(0.1, 1.2, "mg/dL")).
		lab("creatinine", 0.8, "mg/dL", day).lab("body-weight", 62, "kg", day).lab("spo2", 98, "%", day).
		lab("lvef", 60, "%", daysBefore(40)).lab("anti-dsdna", 85, "[IU]/mL", day, refRange(0, 30, "[IU]/mL")).
		lab("c3", 62, "mg/dL", day, refRange(90, 180, "mg/dL")).lab("c4", 20, "mg/dL", day, refRange(10, 40, "mg/dL"))
	b.sledai(10, 2, 2, day)
	for _, f := range []func(*builder){coded("ana", positive, day), coded("hcg", negative, day),
		coded("hbsag", negative, daysBefore(50)), coded("hbcab", negative, daysBefore(50)), coded("hcv-ab", negative, day),
		coded("hiv", negative, day), coded("cmv-dna", notDetected, day), coded("syphilis", negative, day)} {
		f(b)
	}
	return b
}

func (b *builder) sledai(total, lowComplement, dsdna float64, at time.Time) *builder {
	o := &facts.Observation{Meta: facts.Meta{Ref: b.ref("Observation")}, Codes: codes("sledai-2k"), Status: "final", Effective: at,
		Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: total}}}
	if lowComplement >= 0 {
		o.Components = append(o.Components, facts.Component{Codes: codes("sledai-2k-low-complement"),
			Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: lowComplement}}})
	}
	if dsdna >= 0 {
		o.Components = append(o.Components, facts.Component{Codes: codes("sledai-2k-dsdna"),
			Value: facts.Value{Kind: facts.QuantityValue, Quantity: facts.Quantity{Value: dsdna}}})
	}
	b.p.Apply(facts.Resource{Patient: b.p.ID, Relevant: true, Observation: o})
	return b
}

// without removes every observation of a concept.
func (b *builder) without(concept string) *builder {
	for ref, o := range b.p.Observations {
		if means(o.Codes, nil, concept) {
			delete(b.p.Observations, ref)
		}
	}
	return b
}

// withoutMed removes every medication of an ingredient.
func (b *builder) withoutMed(ingredient string) *builder {
	for ref, m := range b.p.Medications {
		if means(m.Codes, m.Texts, ingredient) {
			delete(b.p.Medications, ref)
		}
	}
	return b
}

// noMedications leaves the patient with no medication record at all.
func (b *builder) noMedications() {
	p := facts.NewPatient(b.p.ID)
	p.Apply(facts.Resource{Patient: p.ID, Demographics: b.p.Demographics})
	for _, o := range b.p.Observations {
		p.Apply(facts.Resource{Patient: p.ID, Relevant: true, Observation: o})
	}
	for _, c := range b.p.Conditions {
		p.Apply(facts.Resource{Patient: p.ID, Relevant: true, Condition: c})
	}
	b.p = p
}
