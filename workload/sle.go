package workload

import "time"

// An SLE patient's story: the diagnosis, the standard treatment, a
// screening visit in the last weeks, an echocardiogram and infection
// serology. Most stories are complete and clean (a candidate at AsOf);
// some carry one defect that rules the patient out, or one gap that leaves
// a criterion unknown.

// aim is the status an SLE patient's story is written for. Updates in the
// stream (a corrected or retracted result) may still change it.
type aim int

const (
	aimCandidate aim = iota
	aimIneligible
	aimIncomplete
)

// Defects rule the patient out; gaps leave a criterion unknown.
var (
	defects = []string{"platelets", "anc", "hemoglobin", "alt", "crcl", "sledai", "lvef", "prednisone-high",
		"dose-change", "belimumab", "pneumonia", "age", "hbv", "mi", "severe-allergy", "hcg"}
	gaps = []string{"no-echo", "no-serology", "old-labs", "no-sledai", "no-hcg", "no-meds",
		"lupus-unspecified", "afib"}
)

type sleStory struct {
	aim    aim
	defect string // "" unless aimIneligible
	gap    string // "" unless aimIncomplete
	screen int    // days before AsOf of the screening visit
	onset  time.Time
}

// sleStoryMean is about how many resources a story adds, for the mix.
const sleStoryMean = 43

// sle sets the patient up as an SLE patient with a story drawn at random
// and queues the story's resources. It returns the story.
func (b *builder) sle() sleStory {
	var s sleStory
	switch u := b.r.Float64(); {
	case u < 0.4:
		s.aim = aimCandidate
	case u < 0.7:
		s.aim, s.defect = aimIneligible, pick(b.r, defects)
	default:
		s.aim, s.gap = aimIncomplete, pick(b.r, gaps)
	}
	return b.sleWith(s)
}

// sleWith queues the resources of a story whose aim, defect and gap are
// set, and fills in the rest of it.
func (b *builder) sleWith(s sleStory) sleStory {
	minAge, maxAge := 20, 60
	if s.defect == "age" {
		minAge, maxAge = 71, 78
	}
	b.demographics(0.9, minAge, maxAge)
	b.weightKg = min(100, max(48, b.weightKg))
	if !b.female && s.defect == "hcg" {
		s.defect = "platelets"
	}
	if !b.female && s.gap == "no-hcg" {
		s.gap = "no-echo"
	}
	s.screen = b.r.intIn(2, 22)
	if s.gap == "old-labs" {
		s.screen = b.r.intIn(35, 60)
	}
	s.onset = b.day0.AddDate(0, -b.r.intIn(18, 180), -b.r.IntN(28))

	b.sleDiagnosis(s)
	if s.gap != "no-meds" {
		b.sleTreatment(s)
	}
	b.screening(s, b.visit(s.screen))
	if s.gap != "no-serology" {
		b.infectionSerology(s, b.visit(b.r.intIn(s.screen, min(s.screen+35, 85))))
	}
	if s.gap != "no-echo" {
		ef := b.r.normal(62, 4, 52, 72)
		if s.defect == "lvef" {
			ef = b.r.between(25, 38)
		}
		t := b.visit(b.r.intIn(max(s.screen, 30), 85))
		b.quantityObs(lvef, t, t.Add(2*time.Hour), ef)
	}
	b.sleEvents(s)
	return s
}

// daysAgo counts whole days from t to day0.
func (b *builder) daysAgo(t time.Time) int { return int(b.day0.Sub(t) / day) }

// sentAfter is a time the feed sends a record of something that began at
// start: that day when it is within the last two years, else any visit
// of the last two years before the screening.
func (b *builder) sentAfter(start time.Time, s sleStory) time.Time {
	d := b.daysAgo(start)
	if d <= 700 {
		return b.visit(max(1, d))
	}
	return b.visit(b.r.intIn(s.screen+1, 700))
}

func (b *builder) sleDiagnosis(s sleStory) {
	c := sle
	switch {
	case s.gap == "lupus-unspecified":
		c = lupusUnspecified
	case b.r.chance(0.12):
		c = lupusNephritis
	}
	b.chronicCondition(c, s.onset, b.sentAfter(s.onset, s))
}

// sleTreatment queues hydroxychloroquine, prednisone and (for most) an
// immunosuppressant, each taken long enough to count as a stable regimen
// and as treatment failure, and sometimes a stopped azathioprine.
func (b *builder) sleTreatment(s sleStory) {
	onsetDays := b.daysAgo(s.onset)
	hcq := s.onset.AddDate(0, 0, b.r.intIn(14, 120))
	b.sleMed(s, meds["hydroxychloroquine"], 200, hcq, time.Time{})

	var immuno *medSpec
	if b.r.chance(0.6) {
		immuno = meds[pick(b.r, []string{"mycophenolate", "mycophenolate", "mycophenolate", "azathioprine", "methotrexate"})]
		start := b.day0.AddDate(0, 0, -b.r.intIn(100, max(100, onsetDays-60)))
		b.sleMed(s, immuno, immuno.dose, start, time.Time{})
	}
	if immuno != meds["azathioprine"] && b.r.chance(0.25) {
		start := s.onset.AddDate(0, 0, b.r.intIn(30, 200))
		end := start.AddDate(0, 0, b.r.intIn(120, 500))
		if b.daysAgo(end) > 150 {
			b.sleMed(s, meds["azathioprine"], 100, start, end)
		}
	}
	b.prednisone(s, onsetDays, immuno != nil)
}

// prednisone queues the current prednisone dose and, for some patients,
// the higher dose it was tapered from.
func (b *builder) prednisone(s sleStory, onsetDays int, immuno bool) {
	doses := []float64{7.5, 10, 10, 12.5, 15, 20}
	if immuno {
		doses = append(doses, 5, 5)
	}
	dose := pick(b.r, doses)
	if s.defect == "prednisone-high" {
		dose = pick(b.r, []float64{35, 40, 50, 60})
	}
	curDays := b.r.intIn(60, max(60, min(400, onsetDays-30)))
	taper := b.r.chance(0.4)
	if s.defect == "dose-change" {
		curDays, taper = b.r.intIn(4, 12), true
	}
	cur := b.day0.AddDate(0, 0, -curDays)
	if taper {
		prev := cur.AddDate(0, 0, -b.r.intIn(30, 200))
		b.sleMed(s, meds["prednisone"], dose+pick(b.r, []float64{5, 10}), prev, cur)
	}
	b.sleMed(s, meds["prednisone"], dose, cur, time.Time{})
}

// sleMed queues one of the SLE drugs; a whole number of 5 mg prednisone
// tablets is sometimes written as tablets.
func (b *builder) sleMed(s sleStory, spec *medSpec, dose float64, start, end time.Time) {
	p := medPlan{spec: spec, dose: dose, start: start, end: end, request: b.r.chance(0.25)}
	p.at = b.sentAfter(start, s)
	if !end.IsZero() {
		p.at = b.sentAfter(end, s)
	}
	if spec.name == "prednisone" && dose <= 20 && int(dose)%5 == 0 && float64(int(dose)) == dose && b.r.chance(0.3) {
		p.tablets = dose / 5
	}
	b.medication(p)
}
