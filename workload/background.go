package workload

import (
	"slices"
	"time"
)

// shares split a patient's everyday resources by kind; the rest are
// observations.
type shares struct{ cond, med, other float64 }

var (
	ordinaryShares = shares{cond: 0.22, med: 0.11, other: 0.015}
	longShares     = shares{cond: 0.12, med: 0.10, other: 0.03}
)

// safeMeds are everyday drugs the trial does not read.
var safeMeds = []string{"acetaminophen", "omeprazole", "amoxicillin", "atorvastatin", "lisinopril"}

// everyday is the mix of a story's everyday resources: a patient whose
// story has no medication data gets no drug at all, since any drug record
// is medication data.
func (s sleStory) everyday(sh shares) shares {
	if s.gap == "no-meds" {
		sh.med = 0
	}
	return sh
}

// background queues exactly n everyday resources on visits between minDay
// and span days before AsOf: vital signs and laboratory panels, a problem
// list and episodes, drugs for them, vaccinations, procedures, allergies
// and encounters. safe leaves out everything the trial could read as a
// reason for or against an SLE patient (asthma, live vaccines, NSAIDs,
// severe allergies, ...).
func (b *builder) background(n int, sh shares, minDay, span int, safe bool) {
	if n <= 0 {
		return
	}
	nCond := b.r.roundRand(sh.cond * float64(n))
	nMed := b.r.roundRand(sh.med * float64(n))
	nOther := b.r.roundRand(sh.other * float64(n))
	for nCond+nMed+nOther > n {
		switch {
		case nOther > 0:
			nOther--
		case nMed > 0:
			nMed--
		default:
			nCond--
		}
	}
	nObs := n - nCond - nMed - nOther
	visits := b.visits(max(1, b.r.roundRand(float64(nObs)/b.r.between(5, 12))), minDay, span)
	for i, t := range visits {
		b.visitObservations(t, nObs/len(visits)+boolInt(i < nObs%len(visits)))
	}
	conds := b.conditions(nCond, visits, safe)
	b.meds(nMed, conds, visits, safe)
	b.others(nOther, visits, safe)
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// visits are n clinic times between minDay and span days before AsOf,
// oldest first; most patients have one in the last four weeks.
func (b *builder) visits(n, minDay, span int) []time.Time {
	days := make([]int, n)
	for i := range days {
		days[i] = b.r.intIn(minDay, span)
	}
	if minDay <= 27 && b.r.chance(0.6) {
		days[0] = b.r.intIn(minDay, 27)
	}
	slices.SortFunc(days, func(x, y int) int { return y - x })
	out := make([]time.Time, n)
	for i, d := range days {
		out[i] = b.visit(d)
	}
	return out
}

// earlyVisit picks a visit, the earlier ones more often: a problem list is
// mostly written at the first visits.
func (b *builder) earlyVisit(visits []time.Time) time.Time {
	return visits[b.r.IntN(b.r.IntN(len(visits))+1)]
}

// fits reports whether a diagnosis, drug or procedure suits the patient.
func (b *builder) fits(minAge int, sex string) bool {
	return b.age() >= minAge && (sex == "" || sex == b.gender())
}

// conditions queues n diagnoses: each chronic one at most once, episodes
// as often as drawn.
func (b *builder) conditions(n int, visits []time.Time, safe bool) []*condSpec {
	var chosen []*condSpec
	for range n {
		c, ok := pickWeighted(b.r, conditionPool, func(c *condSpec) float64 {
			if !b.fits(c.minAge, c.sex) || (safe && !c.safe) || (c.chronic() && slices.Contains(chosen, c)) {
				return 0
			}
			return c.weight
		})
		if !ok {
			break
		}
		chosen = append(chosen, c)
		if c.chronic() {
			b.condition(c, b.earlyVisit(visits))
		} else {
			b.condition(c, pick(b.r, visits))
		}
	}
	return chosen
}

// meds queues n drugs, mostly ones treating the patient's conditions.
func (b *builder) meds(n int, conds []*condSpec, visits []time.Time, safe bool) {
	var linked []string
	for _, c := range conds {
		linked = append(linked, c.meds...)
	}
	for range n {
		key := pick(b.r, fallbackMeds)
		if len(linked) > 0 && b.r.chance(0.8) {
			key = pick(b.r, linked)
		}
		s := meds[key]
		if safe && s.relevant {
			s = meds[pick(b.r, safeMeds)]
		}
		b.medication(b.everydayMed(s, pick(b.r, visits)))
	}
}

// others queues n vaccinations, encounters, procedures and allergies.
func (b *builder) others(n int, visits []time.Time, safe bool) {
	for range n {
		t := pick(b.r, visits)
		switch u := b.r.Float64(); {
		case u < 0.35:
			v, _ := pickWeighted(b.r, vaccines, func(v vaccineSpec) float64 {
				if b.age() < v.minAge || (safe && v.live) {
					return 0
				}
				return v.weight
			})
			b.immunization(v, t)
		case u < 0.70:
			b.encounter(t)
		case u < 0.85:
			p, _ := pickWeighted(b.r, procedures, func(p procSpec) float64 {
				if !b.fits(p.minAge, p.sex) || (safe && p.relevant) {
					return 0
				}
				return p.weight
			})
			b.procedure(p, t)
		default:
			a, _ := pickWeighted(b.r, allergies, func(a allergySpec) float64 {
				if safe && a.code == "" {
					return 0 // PEG: with an mRNA vaccine, an exclusion
				}
				return a.weight
			})
			b.allergy(a, t, !safe && b.r.chance(0.2))
		}
	}
}
