package workload

import "time"

var categoryDisplay = map[string]string{
	catVital: "Vital Signs", catLab: "Laboratory", catImaging: "Imaging", catSurvey: "Survey",
}

func category(cat string) []concept {
	return []concept{{Coding: []coding{{System: obsCat, Code: cat, Display: categoryDisplay[cat]}}}}
}

func interpretation(flag, display string) []concept {
	return []concept{{Coding: []coding{{System: interpSys, Code: flag, Display: display}}}}
}

// quantityObs queues a quantitative result: measured at eff, sent at at.
// Laboratory results carry their reference range, an H or L flag when out
// of it, and the time they were issued.
func (b *builder) quantityObs(s *labSpec, eff, at time.Time, v float64) *item {
	v = round(v, s.dec)
	o := &observation{
		head:              head{ResourceType: "Observation"},
		Status:            "final",
		Category:          category(s.category),
		Code:              cc(coding{loinc, s.code, s.display}),
		Subject:           b.ref,
		EffectiveDateTime: instant(eff),
		ValueQuantity:     ucumQ(v, s.unit, s.text),
		spec:              s,
	}
	if s.category == catLab {
		o.Issued = instant(at)
	}
	o.ReferenceRange = rangeOf(s)
	o.Interpretation = flagOf(s, v)
	return b.add(at, o, s.relevant)
}

func rangeOf(s *labSpec) []refRange {
	if s.low == 0 && s.high == 0 {
		return nil
	}
	var rr refRange
	if s.low > 0 {
		rr.Low = ucumQ(s.low, s.unit, s.text)
	}
	if s.high > 0 {
		rr.High = ucumQ(s.high, s.unit, s.text)
	}
	return []refRange{rr}
}

func flagOf(s *labSpec, v float64) []concept {
	switch {
	case s.low > 0 && v < s.low:
		return interpretation("L", "Low")
	case s.high > 0 && v > s.high:
		return interpretation("H", "High")
	}
	return nil
}

// codedObs queues a qualitative laboratory result.
func (b *builder) codedObs(q qualSpec, eff, at time.Time, a answer) *item {
	o := &observation{
		head:                 head{ResourceType: "Observation"},
		Status:               "final",
		Category:             category(catLab),
		Code:                 cc(coding{loinc, q.code, q.display}),
		Subject:              b.ref,
		EffectiveDateTime:    instant(eff),
		Issued:               instant(at),
		ValueCodeableConcept: &concept{Coding: []coding{a.coding}, Text: a.text},
		Interpretation:       interpretation(a.flag, a.text),
	}
	return b.add(at, o, true)
}

// bloodPressure queues a blood pressure panel: its values are components,
// and the heart-failure trial reads the systolic one.
func (b *builder) bloodPressure(eff, at time.Time) *item {
	sys := round(b.r.normal(systolic.mean, systolic.sd, systolic.min, systolic.max), 0)
	dia := round(min(sys-20, b.r.normal(diastolic.mean, diastolic.sd, diastolic.min, diastolic.max)), 0)
	o := &observation{
		head:              head{ResourceType: "Observation"},
		Status:            "final",
		Category:          category(catVital),
		Code:              cc(coding{loinc, bpPanelCode, bpPanelDisplay}),
		Subject:           b.ref,
		EffectiveDateTime: instant(eff),
		Component: []component{
			{Code: cc(coding{loinc, systolic.code, systolic.display}), ValueQuantity: ucumQ(sys, systolic.unit, systolic.text)},
			{Code: cc(coding{loinc, diastolic.code, diastolic.display}), ValueQuantity: ucumQ(dia, diastolic.unit, diastolic.text)},
		},
	}
	return b.add(at, o, systolic.relevant)
}

// draw is an ordinary patient's value of a test.
func (b *builder) draw(s *labSpec) float64 {
	switch s {
	case bodyWeight:
		return b.weightKg + b.r.normal(0, 1.2, -4, 4)
	case bodyHeight:
		return b.heightCm
	case bmi:
		m := b.heightCm / 100
		return b.weightKg / (m * m)
	}
	return b.r.normal(s.mean, s.sd, s.min, s.max)
}

// hb is the hemoglobin test with the patient's sex's reference range.
func (b *builder) hb() *labSpec {
	if b.female {
		return hbFemale
	}
	return hbMale
}

// measure is one planned measurement of a visit: a test, or (nil) the
// blood pressure panel.
type measure struct{ spec *labSpec }

// visitObservations queues exactly n measurements taken at a visit at t:
// vital signs first, then the laboratory panels ordered, more panels
// when n asks for more, cut at n.
func (b *builder) visitObservations(t time.Time, n int) {
	if n <= 0 {
		return
	}
	plan := make([]measure, 0, n+8)
	plan = append(plan, measure{nil}, measure{heartRate}, measure{respRate}, measure{temperature}, measure{spo2})
	if b.r.chance(0.6) {
		plan = append(plan, measure{bodyWeight})
	}
	if b.r.chance(0.25) {
		plan = append(plan, measure{bodyHeight}, measure{bmi})
	}
	if b.r.chance(0.5) {
		plan = append(plan, measure{painScore})
	}
	for _, p := range labPanels {
		if b.r.chance(p.p) {
			plan = b.appendPanel(plan, p.specs)
		}
	}
	for len(plan) < n {
		p, _ := pickWeighted(b.r, labPanels, func(p panel) float64 { return p.p })
		plan = b.appendPanel(plan, p.specs)
	}
	lab := t.Add(time.Duration(b.r.intIn(90, 360)) * time.Minute)
	for i, m := range plan[:n] {
		eff := t.Add(time.Duration(i) * time.Minute)
		switch {
		case m.spec == nil:
			b.bloodPressure(eff, eff.Add(15*time.Minute))
		case m.spec.category == catLab:
			b.quantityObs(m.spec, t.Add(10*time.Minute), lab, b.draw(m.spec))
		default:
			b.quantityObs(m.spec, eff, eff.Add(15*time.Minute), b.draw(m.spec))
		}
	}
}

func (b *builder) appendPanel(plan []measure, specs []*labSpec) []measure {
	for _, s := range specs {
		if s == nil {
			s = b.hb()
		}
		plan = append(plan, measure{s})
	}
	return plan
}
