package workload

import (
	"math"
	"time"
)

// The SLE patient's screening visit, infection serology and the events a
// defect or gap adds.

// screening queues the visit's vital signs and laboratory results: blood
// counts, coagulation, liver and kidney tests, lupus serology, SLEDAI-2K
// and, for women, a pregnancy test.
func (b *builder) screening(s sleStory, t time.Time) {
	eff, lab := t.Add(10*time.Minute), t.Add(time.Duration(b.r.intIn(120, 360))*time.Minute)
	test := func(spec *labSpec, v float64) { b.quantityObs(spec, eff, lab, v) }
	vital := func(spec *labSpec, v float64) { b.quantityObs(spec, t, t.Add(20*time.Minute), v) }

	b.bloodPressure(t, t.Add(20*time.Minute))
	vital(heartRate, b.draw(heartRate))
	vital(respRate, b.draw(respRate))
	vital(temperature, b.r.normal(36.7, 0.25, 36, 37.6))
	weight := round(b.weightKg+b.r.normal(0, 0.8, -2, 2), bodyWeight.dec)
	vital(bodyWeight, weight)
	vital(spo2, b.r.normal(97.5, 1, 95, 100))

	test(wbc, b.r.normal(5.5, 1.5, 3.2, 9.5))
	test(b.hb(), b.hbValue(s))
	test(hematocrit, b.r.normal(38, 3, 32, 46))
	test(platelets, defective(s, "platelets", b.r.between(18, 45), b.r.normal(235, 50, 120, 380)))
	test(anc, defective(s, "anc", b.r.between(0.5, 1.3), b.r.normal(3.9, 1.1, 1.9, 7.5)))
	test(alc, b.r.normal(1.5, 0.4, 0.9, 3))
	test(inr, b.r.normal(1.0, 0.06, 0.85, 1.15))
	test(aptt, b.r.normal(31, 2.5, 26, 37))
	test(alt, defective(s, "alt", b.r.between(110, 260), b.r.normal(24, 8, 8, 60)))
	test(ast, b.r.normal(24, 6, 10, 55))
	test(bilirubin, b.r.normal(0.55, 0.2, 0.2, 1.1))
	for _, spec := range []*labSpec{glucose, sodium, potassium, chloride, bicarb, urea, calcium, albumin} {
		test(spec, b.draw(spec))
	}
	test(creatinine, b.creatinine(s, weight))
	b.lupusSerology(s, eff, lab)
	if b.female && s.gap != "no-hcg" {
		res := ansNegative
		if s.defect == "hcg" {
			res = ansPositive
		}
		b.codedObs(hcgTest, eff, lab, res)
	}
}

// defective is bad when the story's defect is name, else good.
func defective(s sleStory, name string, bad, good float64) float64 {
	if s.defect == name {
		return bad
	}
	return good
}

func (b *builder) hbValue(s sleStory) float64 {
	if s.defect == "hemoglobin" {
		return b.r.between(6.0, 7.5)
	}
	if b.female {
		return b.r.normal(12.6, 0.9, 10.5, 15)
	}
	return b.r.normal(14.2, 1, 11.5, 16.5)
}

// creatinine gives a Cockcroft-Gault clearance of 70-140 mL/min with the
// patient's age, sex and weight, or 20-42 for the "crcl" defect.
func (b *builder) creatinine(s sleStory, weight float64) float64 {
	factor := 1.0
	if b.female {
		factor = 0.85
	}
	target := defective(s, "crcl", b.r.between(20, 42), b.r.between(70, 140))
	cr := float64(140-b.age()) * weight * factor / (72 * target)
	if s.defect == "crcl" {
		return math.Ceil(max(1.3, min(6, cr))*100) / 100
	}
	return math.Floor(max(0.45, min(1.2, cr))*100) / 100
}

// lupusSerology queues ANA (positive), anti-dsDNA, C3, C4 and the SLEDAI-2K
// score with its serology components.
func (b *builder) lupusSerology(s sleStory, eff, lab time.Time) {
	b.codedObs(anaTest, eff, lab, ansPositive)
	dna := b.r.chance(0.6)
	b.quantityObs(dsDNA, eff, lab, pickValue(dna, b.r.between(40, 300), b.r.normal(12, 6, 2, 25)))
	lowC3, lowC4 := b.r.chance(0.6), b.r.chance(0.3)
	b.quantityObs(c3, eff, lab, pickValue(lowC3, b.r.between(45, 85), b.r.between(92, 160)))
	b.quantityObs(c4, eff, lab, pickValue(lowC4, b.r.between(5, 9.4), b.r.between(11, 35)))
	if s.gap == "no-sledai" {
		return
	}
	comp, dsdna := 0, 0
	if lowC3 || lowC4 {
		comp = 2
	}
	if dna {
		dsdna = 2
	}
	clinical := 2 * b.r.intIn(2, 6)
	if comp+dsdna == 0 {
		clinical = 2 * b.r.intIn(3, 6)
	}
	if s.defect == "sledai" {
		comp, dsdna, clinical = 0, 0, 2*b.r.intIn(1, 2)
	}
	b.sledai(eff, lab, clinical+comp+dsdna, comp, dsdna)
}

func pickValue(first bool, a, b float64) float64 {
	if first {
		return a
	}
	return b
}

// sledai queues a SLEDAI-2K total with its two serology components.
func (b *builder) sledai(eff, at time.Time, total, complement, dna int) *item {
	o := &observation{
		head:              head{ResourceType: "Observation"},
		Status:            "final",
		Category:          category(catSurvey),
		Code:              cc(sledaiTotal),
		Subject:           b.ref,
		EffectiveDateTime: instant(eff),
		ValueInteger:      &total,
		Component: []component{
			{Code: cc(sledaiComplement), ValueInteger: &complement},
			{Code: cc(sledaiDNA), ValueInteger: &dna},
		},
	}
	return b.add(at, o, true)
}

// infectionSerology queues the hepatitis B and C, HIV, CMV and syphilis
// tests; the "hbv" defect is an active hepatitis B.
func (b *builder) infectionSerology(s sleStory, t time.Time) {
	eff, lab := t.Add(10*time.Minute), t.Add(time.Duration(b.r.intIn(240, 420))*time.Minute)
	hbv := s.defect == "hbv"
	b.codedObs(hbsagTest, eff, lab, pickAnswer(hbv, ansPositive, ansNegative))
	b.codedObs(hbcabTest, eff, lab, pickAnswer(hbv, ansPositive, ansNegative))
	if hbv {
		b.codedObs(hbvDNA, eff, lab, ansDetected)
	}
	b.codedObs(hcvabTest, eff, lab, ansNegative)
	b.codedObs(hivTest, eff, lab, ansNegative)
	b.codedObs(cmvDNA, eff, lab, ansNotDetected)
	b.codedObs(rprTest, eff, lab, ansNonReactive)
}

func pickAnswer(first bool, a, b answer) answer {
	if first {
		return a
	}
	return b
}

// sleEvents queues what a defect or gap adds beside the tests: a new
// drug, an infection, a heart event, an allergy, an arrhythmia.
func (b *builder) sleEvents(s sleStory) {
	switch {
	case s.defect == "belimumab":
		start := b.day0.AddDate(0, 0, -b.r.intIn(10, 40))
		b.medication(medPlan{spec: meds["belimumab"], dose: 10 * round(b.weightKg, 0), start: start,
			at: b.visit(b.daysAgo(start)), request: true})
	case s.defect == "pneumonia":
		b.episode(pneumonia, b.visit(b.r.intIn(2, 12)))
	case s.defect == "mi":
		b.episode(myocardialInf, b.visit(b.r.intIn(30, 150)))
	case s.defect == "severe-allergy":
		b.allergy(allergies[0], b.visit(b.r.intIn(s.screen+1, 600)), true)
	case s.gap == "afib":
		t := b.visit(b.r.intIn(20, 150))
		b.chronicCondition(atrialFib, t, t)
	}
}
