package workload

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
)

const day = 24 * time.Hour

// item is one version of one resource of a patient, with the time the feed
// sends it (its meta.lastUpdated).
type item struct {
	at       time.Time
	seq      int // creation order: breaks ties between equal times
	version  int
	relevant bool
	res      resource
	// noMeta sends the resource without meta (no versionId, no
	// lastUpdated), as feeds converted from HL7 v2 do.
	noMeta bool
	// sentAt, when set, is when the feed sends it (else at): a later
	// version sent before an earlier one.
	sentAt time.Time
	// patient, when set, is another patient the version names.
	patient string
}

// sendTime is when the feed sends the item.
func (it *item) sendTime() time.Time {
	if !it.sentAt.IsZero() {
		return it.sentAt
	}
	return it.at
}

// builder makes one patient's resources. Times count back from day0, the
// start of AsOf's UTC day, and every visit ends before day0, so every
// date and time lies before AsOf.
type builder struct {
	r        rnd
	day0     time.Time
	index    int
	patients int       // in the whole workload
	messy    bool      // Config.Messy
	pid      string    // "wl-000123"
	ref      reference // Patient/wl-000123
	female   bool
	birth    time.Time
	heightCm float64
	weightKg float64
	ids      int // resource ids handed out
	items    []*item
}

// idPrefix keeps resource ids readable: "wl-000123-o17".
var idPrefix = map[string]string{
	"Observation": "o", "Condition": "c", "MedicationStatement": "ms", "MedicationRequest": "mr",
	"Immunization": "im", "Procedure": "pr", "AllergyIntolerance": "al", "Encounter": "en",
}

// patientID is the id of the i-th patient (0-based): "wl-000123".
func patientID(i int) string { return fmt.Sprintf("wl-%06d", i) }

func newBuilder(cfg Config, index int) *builder {
	pid := patientID(index)
	return &builder{
		r:        newRand(cfg.Seed, uint64(index)+1),
		day0:     cfg.AsOf.UTC().Truncate(day),
		index:    index,
		patients: cfg.Patients,
		messy:    cfg.Messy,
		pid:      pid,
		ref:      reference{Reference: "Patient/" + pid},
	}
}

// demographics sets sex, birth date (age in whole years at AsOf between
// minAge and maxAge), height and weight.
func (b *builder) demographics(pFemale float64, minAge, maxAge int) {
	b.female = b.r.chance(pFemale)
	b.birth = b.day0.AddDate(-b.r.intIn(minAge, maxAge), 0, -b.r.intIn(1, 360))
	if b.female {
		b.heightCm = b.r.normal(163, 7, 145, 185)
	} else {
		b.heightCm = b.r.normal(177, 7.5, 155, 200)
	}
	m := b.heightCm / 100
	b.weightKg = b.r.normal(27, 5, 17.5, 46) * m * m
}

func (b *builder) gender() string {
	if b.female {
		return "female"
	}
	return "male"
}

// age is the age in whole years at day0.
func (b *builder) age() int {
	y := b.day0.Year() - b.birth.Year()
	if b.day0.Month() < b.birth.Month() || (b.day0.Month() == b.birth.Month() && b.day0.Day() < b.birth.Day()) {
		y--
	}
	return y
}

// visit is a clinic time daysAgo days before day0, between 07:00 and 17:00.
func (b *builder) visit(daysAgo int) time.Time {
	return b.day0.Add(-time.Duration(daysAgo)*day + 7*time.Hour + time.Duration(b.r.IntN(600))*time.Minute)
}

// add gives a resource its id and queues it to be sent at at.
func (b *builder) add(at time.Time, res resource, relevant bool) *item {
	h := res.base()
	b.ids++
	h.ID = b.pid + "-" + idPrefix[h.ResourceType] + strconv.Itoa(b.ids)
	it := &item{at: at, seq: len(b.items), version: 1, relevant: relevant, res: res}
	b.items = append(b.items, it)
	return it
}

var givenNames = [2][]string{
	{"James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Daniel", "Kevin", "Luis"},
	{"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Maria", "Aisha"},
}

var familyNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Nguyen", "Kim", "Patel"}

// patientResource is the Patient, sent just before the patient's first
// other resource.
func (b *builder) patientResource() *item {
	first := b.day0.Add(-time.Hour)
	for _, it := range b.items {
		if it.at.Before(first) {
			first = it.at
		}
	}
	sex := 0
	if b.female {
		sex = 1
	}
	p := &patient{
		head:       head{ResourceType: "Patient", ID: b.pid},
		Identifier: []identifier{{System: mrnSystem, Value: "MRN" + b.pid[3:]}},
		Active:     true,
		Name:       []humanName{{Use: "official", Family: pick(b.r, familyNames), Given: []string{pick(b.r, givenNames[sex])}}},
		Gender:     b.gender(),
		BirthDate:  date(b.birth),
	}
	at := first.Add(-time.Duration(b.r.intIn(5, 240)) * time.Minute)
	return &item{at: at, seq: -1, version: 1, relevant: true, res: p}
}

// resources renders the patient's resources in the order the feed sends
// them: the Patient first, then by meta.lastUpdated.
func (b *builder) resources() ([]Resource, error) {
	sort.SliceStable(b.items, func(i, j int) bool {
		if a, z := b.items[i].sendTime(), b.items[j].sendTime(); !a.Equal(z) {
			return a.Before(z)
		}
		return b.items[i].seq < b.items[j].seq
	})
	all := append([]*item{b.patientResource()}, b.items...)
	out := make([]Resource, len(all))
	for i, it := range all {
		h := it.res.base()
		h.Meta = &meta{VersionID: strconv.Itoa(it.version), LastUpdated: instant(it.at)}
		if it.noMeta {
			h.Meta = nil
		}
		data, err := json.Marshal(it.res)
		if err != nil {
			return nil, fmt.Errorf("workload: %s/%s: %w", h.ResourceType, h.ID, err)
		}
		patient := b.ref.Reference
		if it.patient != "" {
			patient = it.patient
		}
		out[i] = Resource{
			Patient:  patient,
			Type:     h.ResourceType,
			Ref:      h.ResourceType + "/" + h.ID,
			Relevant: it.relevant,
			JSON:     data,
		}
	}
	return out, nil
}

// instant is a FHIR instant or dateTime in UTC: "2026-10-26T09:00:00Z".
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// date is a FHIR date: "2026-10-26".
func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }
