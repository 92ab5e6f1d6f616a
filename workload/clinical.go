package workload

import (
	"strconv"
	"time"
)

// Builders for the resources beside observations: diagnoses, drugs,
// vaccinations, procedures, allergies and encounters.

func condCode(c *condSpec) concept {
	cs := []coding{{System: snomed, Code: c.snomed, Display: c.display}}
	if c.icd != "" {
		cs = append(cs, coding{System: icd10cm, Code: c.icd, Display: c.icdDisplay})
	}
	return concept{Coding: cs, Text: c.display}
}

func newCondition(b *builder, c *condSpec, clinical, cat string) *condition {
	return &condition{
		head:               head{ResourceType: "Condition"},
		ClinicalStatus:     status(condClin, clinical),
		VerificationStatus: status(condVer, "confirmed"),
		Category:           []concept{{Coding: []coding{{System: condCat, Code: cat}}}},
		Code:               condCode(c),
		Subject:            b.ref,
	}
}

// chronicCondition queues a problem-list entry with onset on a date,
// recorded at a visit at t.
func (b *builder) chronicCondition(c *condSpec, onset, t time.Time) *item {
	cd := newCondition(b, c, "active", "problem-list-item")
	cd.OnsetDateTime = date(onset)
	cd.RecordedDate = date(t)
	return b.add(t.Add(time.Duration(b.r.intIn(10, 90))*time.Minute), cd, c.relevant)
}

// episode queues a diagnosis made at a visit at t: resolved after c.days
// when that is over by AsOf (and sent then), else active.
func (b *builder) episode(c *condSpec, t time.Time) *item {
	at := t.Add(time.Duration(b.r.intIn(10, 90)) * time.Minute)
	end := t.Add(time.Duration(c.days) * day)
	clinical := "active"
	if end.Before(b.day0.Add(-day)) {
		clinical, at = "resolved", end
	}
	cd := newCondition(b, c, clinical, "encounter-diagnosis")
	cd.OnsetDateTime = instant(t)
	cd.RecordedDate = date(t)
	if clinical == "resolved" {
		cd.AbatementDateTime = instant(end)
	}
	return b.add(at, cd, c.relevant)
}

// condition queues an everyday diagnosis seen at a visit at t.
func (b *builder) condition(c *condSpec, t time.Time) *item {
	if !c.chronic() {
		return b.episode(c, t)
	}
	onset := t.Add(-time.Duration(b.r.intIn(60, 4000)) * day)
	if adult := b.birth.AddDate(16, 0, 0); onset.Before(adult) {
		onset = adult
	}
	return b.chronicCondition(c, onset, t)
}

// medPlan is one prescription or statement of a drug.
type medPlan struct {
	spec    *medSpec
	dose    float64   // in spec.unit
	tablets float64   // > 0: the dose is this many tablets of spec.product
	start   time.Time // first day taken
	end     time.Time // last day; zero while ongoing
	at      time.Time // when the feed sends it
	request bool      // MedicationRequest rather than MedicationStatement
}

var routes = map[string]*concept{
	"oral":    {Coding: []coding{{System: snomed, Code: "26643006", Display: "Oral route"}}, Text: "Oral route"},
	"inhaled": {Coding: []coding{{System: snomed, Code: "447694001", Display: "Respiratory tract route"}}, Text: "Inhalation"},
	"iv":      {Coding: []coding{{System: snomed, Code: "47625008", Display: "Intravenous route"}}, Text: "Intravenous route"},
}

var routeWords = map[string]string{"oral": "by mouth", "inhaled": "inhaled", "iv": "intravenously"}

// frequency is timing.repeat for doses per day, with words for the text.
func frequency(perDay float64) (freq int, per float64, unit, words string) {
	switch {
	case perDay < 0.1:
		return 1, 4, "wk", "every 4 weeks"
	case perDay < 0.5:
		return 1, 1, "wk", "once weekly"
	case perDay == 1:
		return 1, 1, "d", "once daily"
	case perDay == 2:
		return 2, 1, "d", "twice daily"
	case perDay == 3:
		return 3, 1, "d", "three times daily"
	}
	return int(perDay), 1, "d", strconv.Itoa(int(perDay)) + " times daily"
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (p medPlan) dosage() dosage {
	s := p.spec
	freq, per, unit, words := frequency(s.perDay)
	q := quantity{Value: p.dose, Unit: s.unit, System: ucum, Code: s.unit}
	amount := num(p.dose) + " " + s.unit
	if p.tablets > 0 {
		q = quantity{Value: p.tablets, Unit: "tablet", System: drugForm, Code: "TAB"}
		amount = num(p.tablets) + " tablet"
		if p.tablets != 1 {
			amount += "s"
		}
	}
	d := dosage{
		Text:        amount + " " + routeWords[s.route] + " " + words,
		Timing:      timing{Repeat: repeat{Frequency: freq, Period: per, PeriodUnit: unit}},
		Route:       routes[s.route],
		DoseAndRate: []doseAndRate{{DoseQuantity: q}},
	}
	if p.request {
		d.Timing.Repeat.BoundsPeriod = p.period()
	}
	return d
}

func (p medPlan) period() *period {
	pd := &period{Start: date(p.start)}
	if !p.end.IsZero() {
		pd.End = date(p.end)
	}
	return pd
}

// medication queues a MedicationStatement or MedicationRequest: active
// while ongoing, completed once ended.
func (b *builder) medication(p medPlan) *item {
	s := p.spec
	drug := concept{Coding: []coding{{System: rxnorm, Code: s.code, Display: s.name}}, Text: s.product}
	state := "active"
	if !p.end.IsZero() {
		state = "completed"
	}
	if p.request {
		return b.add(p.at, &medicationRequest{
			head: head{ResourceType: "MedicationRequest"}, Status: state, Intent: "order",
			MedicationCodeableConcept: drug, Subject: b.ref, AuthoredOn: instant(p.at),
			DosageInstruction: []dosage{p.dosage()},
		}, s.relevant)
	}
	return b.add(p.at, &medicationStatement{
		head: head{ResourceType: "MedicationStatement"}, Status: state,
		MedicationCodeableConcept: drug, Subject: b.ref, EffectivePeriod: *p.period(),
		DateAsserted: instant(p.at), Dosage: []dosage{p.dosage()},
	}, s.relevant)
}

// everydayMed plans a drug seen at a visit at t: a course started then, or
// a long-term drug started earlier, sometimes since stopped.
func (b *builder) everydayMed(s *medSpec, t time.Time) medPlan {
	p := medPlan{spec: s, dose: s.dose, at: t.Add(time.Duration(b.r.intIn(5, 60)) * time.Minute),
		request: b.r.chance(0.5)}
	last := b.day0.Add(-day)
	switch {
	case s.days > 0:
		p.start, p.end = t, t.Add(time.Duration(s.days)*day)
		if p.end.After(last) {
			p.end = last
		}
	default:
		p.start = t.Add(-time.Duration(b.r.intIn(0, 1500)) * day)
		if b.r.chance(0.12) {
			p.end = t
		}
	}
	return p
}

func (b *builder) immunization(v vaccineSpec, t time.Time) *item {
	return b.add(t.Add(time.Duration(b.r.intIn(20, 120))*time.Minute), &immunization{
		head: head{ResourceType: "Immunization"}, Status: "completed",
		VaccineCode: cc(coding{cvx, v.code, v.display}), Patient: b.ref,
		OccurrenceDateTime: instant(t), PrimarySource: true,
	}, v.relevant)
}

func (b *builder) procedure(p procSpec, t time.Time) *item {
	return b.add(t.Add(time.Duration(b.r.intIn(60, 300))*time.Minute), &procedure{
		head: head{ResourceType: "Procedure"}, Status: "completed",
		Code: cc(coding{snomed, p.code, p.display}), Subject: b.ref, PerformedDateTime: instant(t),
	}, p.relevant)
}

// allergy queues an AllergyIntolerance; severe allergies are high
// criticality with anaphylaxis.
func (b *builder) allergy(a allergySpec, t time.Time, severe bool) *item {
	code := concept{Text: a.display}
	if a.code != "" {
		code = cc(coding{snomed, a.code, a.display})
	}
	crit, sev, sign := "low", "mild", rash
	switch {
	case severe:
		crit, sev, sign = "high", "severe", anaphylaxis
	case b.r.chance(0.4):
		sev, sign = "moderate", urticaria
	}
	return b.add(t.Add(time.Duration(b.r.intIn(10, 60))*time.Minute), &allergyIntolerance{
		head:               head{ResourceType: "AllergyIntolerance"},
		ClinicalStatus:     status(allergyCl, "active"),
		VerificationStatus: *status(allergyVer, "confirmed"),
		Type:               "allergy", Category: []string{a.category}, Criticality: crit,
		Code: code, Patient: b.ref, RecordedDate: instant(t),
		Reaction: []reaction{{Manifestation: []concept{cc(sign)}, Severity: sev}},
	}, true)
}

// encounter queues the visit itself: an ambulatory Encounter with no
// reason, which no trial reads.
func (b *builder) encounter(t time.Time) *item {
	end := t.Add(time.Duration(b.r.intIn(15, 60)) * time.Minute)
	return b.add(end.Add(5*time.Minute), &encounter{
		head: head{ResourceType: "Encounter"}, Status: "finished",
		Class: coding{System: actCode, Code: "AMB", Display: "ambulatory"},
		Type:  []concept{cc(pick(b.r, encounterTypes))}, Subject: b.ref,
		Period: period{Start: instant(t), End: instant(end)},
	}, false)
}
