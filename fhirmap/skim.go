package fhirmap

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// The skim. Most of a patient's record names no concept of any trial (vital
// signs, routine diagnoses and drugs). The fact of such a resource has no
// concepts, and the store only uses it to retire an earlier version that
// did match (facts.Patient.Apply): for that it needs the patient, the
// version, whether the resource is retracted and, for an Observation, its
// effective time. The skim reads those, and the codes and names that decide
// whether a concept matches, from fields the scan (scan.go) took with the
// header, and spares the full jsonformat parse, which costs about ten times
// more. It matches with the same Vocabulary calls as the full mapping (a
// name looked up once per text), so it decides relevance exactly as the
// full mapping would.
//
// A skimmed resource is not validated: trialscout validates what it reads,
// and of a resource no concept matches it reads nothing but its identity.
// An invalid one therefore becomes a fact with no concepts where the full
// parse would have rejected it.
//
// The skim answers only when sure that the full mapping would give a fact
// with no concept, with the same patient and version. Whatever it cannot
// judge from the header falls through to the full parse: a
// medicationReference (the Medication it names could match), a subject that
// is not a plain reference to a Patient, a time in a layout it does not
// know, a field of an unexpected JSON type. TestSkimMatchesFullParse and
// FuzzSkim hold it to that.

// skimFields are the fields the skim reads, kept raw: decoding them with the
// header scans a document once, and a raw field cannot fail that decode (a
// value of the wrong type only stops the skim, later).
type skimFields struct {
	Meta                      json.RawMessage `json:"meta"`
	Status                    json.RawMessage `json:"status"`
	Subject                   json.RawMessage `json:"subject"`
	Patient                   json.RawMessage `json:"patient"`
	Code                      json.RawMessage `json:"code"`
	Component                 json.RawMessage `json:"component"`
	ClinicalStatus            json.RawMessage `json:"clinicalStatus"`
	VerificationStatus        json.RawMessage `json:"verificationStatus"`
	VaccineCode               json.RawMessage `json:"vaccineCode"`
	MedicationCodeableConcept json.RawMessage `json:"medicationCodeableConcept"`
	MedicationReference       json.RawMessage `json:"medicationReference"`
	EffectiveDateTime         json.RawMessage `json:"effectiveDateTime"`
	EffectivePeriod           json.RawMessage `json:"effectivePeriod"`
	EffectiveInstant          json.RawMessage `json:"effectiveInstant"`
	Issued                    json.RawMessage `json:"issued"`
	Class                     json.RawMessage `json:"class"`
	ReasonCode                json.RawMessage `json:"reasonCode"`
	ReasonReference           json.RawMessage `json:"reasonReference"`
	Diagnosis                 json.RawMessage `json:"diagnosis"`
}

// concept is a CodeableConcept as the skim reads it.
type concept struct {
	Coding []facts.Coding `json:"coding"`
	Text   string         `json:"text"`
}

// skim returns the fact of a resource no concept matches, read from its
// header; ok is false when only the full parse can tell (see above). ref is
// the resource's "Type/id" and sc the enclosing Bundle, as for mapResource.
func (m *Mapper) skim(f *skimFields, rt, ref string, from origin, sc *scope) (fact *facts.Resource, ok bool) {
	if m.noSkim || ref == "" {
		return nil, false // without a ref the full path says why
	}
	s := &skimmer{f: f, v: m.vocab, names: m.names, ss: m.sources, ref: ref, from: from, ok: true}
	var r *facts.Resource
	switch rt { // each returns nil as soon as it knows the skim cannot answer
	case "Observation":
		r = s.observation()
	case "Condition":
		r = s.condition()
	case "MedicationStatement", "MedicationRequest":
		r = s.medication(rt == "MedicationRequest")
	case "Immunization":
		r = s.immunization()
	case "Procedure":
		r = s.procedure()
	case "Encounter":
		r = s.encounter()
	default:
		// Patient and AllergyIntolerance always make a fact the store keeps;
		// a Medication is read through the resources naming it.
		return nil, false
	}
	if r == nil {
		return nil, false
	}
	patientField := f.Subject
	if rt == "Immunization" {
		patientField = f.Patient
	}
	r.Patient = s.patient(patientField, sc)
	if !s.ok {
		return nil, false
	}
	return r, true
}

// skimmer reads one resource's skimFields. ok turns false at the first thing
// that sends the resource to the full parse: a concept matched, or a field
// the skim cannot judge.
type skimmer struct {
	f     *skimFields
	v     *facts.Vocabulary
	names *nameCache
	ss    sourceSet
	ref   string
	from  origin
	ok    bool
}

// decode reads a raw field into v, zero; an absent one leaves v as it is.
func (s *skimmer) decode(raw json.RawMessage, v any) {
	if s.ok && len(raw) > 0 && !liteDecode(raw, v) {
		s.ok = false
	}
}

func (s *skimmer) concept(raw json.RawMessage) concept {
	var c concept
	s.decode(raw, &c)
	return c
}

func (s *skimmer) str(raw json.RawMessage) string {
	var v string
	s.decode(raw, &v)
	return v
}

// stopped reports whether the skim must leave the resource to the full
// parse: a field could not be read, or some concept matches the codings or
// the texts (a relevant resource is mapped in full).
func (s *skimmer) stopped(codings []facts.Coding, texts ...string) bool {
	if s.ok && s.matches(codings, texts) {
		s.ok = false
	}
	return !s.ok
}

// matches reports whether Vocabulary.Match would find a concept: by code,
// or by name in a display or a text, names looked up in the cache.
func (s *skimmer) matches(codings []facts.Coding, texts []string) bool {
	if len(s.v.MatchCodes(codings)) > 0 {
		return true
	}
	for _, c := range codings {
		if s.names.matches(s.v, c.Display) {
			return true
		}
	}
	for _, text := range texts {
		if s.names.matches(s.v, text) {
			return true
		}
	}
	return false
}

// nameCache remembers which texts name a concept. Matching names is a
// regular expression over the text, and the same few hundred displays come
// again and again ("Viral sinusitis (disorder)"); a text is looked up in
// the vocabulary once, until the cache fills and starts over.
type nameCache struct {
	mu   sync.Mutex
	hits map[string]bool
}

const maxNameCache = 4096

func newNameCache() *nameCache { return &nameCache{hits: map[string]bool{}} }

// matches is len(v.Match(nil, text)) > 0.
func (c *nameCache) matches(v *facts.Vocabulary, text string) bool {
	if text == "" {
		return false // Match finds no name in nothing
	}
	c.mu.Lock()
	hit, ok := c.hits[text]
	c.mu.Unlock()
	if ok {
		return hit
	}
	hit = len(v.Match(nil, text)) > 0
	c.mu.Lock()
	if len(c.hits) >= maxNameCache {
		clear(c.hits)
	}
	c.hits[text] = hit
	c.mu.Unlock()
	return hit
}

// observation: tests are matched by code only, the Observation's and each
// component's (observation.go).
func (s *skimmer) observation() *facts.Resource {
	code := s.concept(s.f.Code)
	if isDecision(code.Coding) {
		s.ok = false // a person's decision: always read in full
		return nil
	}
	matched := len(s.v.MatchCodes(code.Coding)) > 0
	var comps []component
	s.decode(s.f.Component, &comps)
	for _, c := range comps {
		matched = matched || len(s.v.MatchCodes(c.Code.Coding)) > 0
	}
	if matched {
		s.ok = false
	}
	if !s.ok {
		return nil
	}
	status := s.str(s.f.Status)
	o := &facts.Observation{Meta: s.metaOf(status), Codes: code.Coding, Status: status, Effective: s.effective()}
	return &facts.Resource{Observation: o}
}

// effective is Observation.effective[x] as observation.go's effective reads
// it: dateTime, else period end then start, else instant, else issued.
func (s *skimmer) effective() time.Time {
	var period period
	s.decode(s.f.EffectivePeriod, &period)
	return firstTime(
		s.dateTime(s.f.EffectiveDateTime, dateTimeLayouts),
		s.dateTime(period.End, dateTimeLayouts),
		s.dateTime(period.Start, dateTimeLayouts),
		s.dateTime(s.f.EffectiveInstant, instantLayouts),
		s.dateTime(s.f.Issued, instantLayouts),
	)
}

// condition: a Condition matches by code, and by name in its text and
// displays (condition.go).
func (s *skimmer) condition() *facts.Resource {
	code := s.concept(s.f.Code)
	if s.stopped(code.Coding, code.Text) {
		return nil
	}
	verification := s.firstCode(s.f.VerificationStatus)
	return &facts.Resource{Condition: &facts.Condition{
		Meta:         s.metaOf(verification),
		Display:      skimText(code),
		Clinical:     s.firstCode(s.f.ClinicalStatus),
		Verification: verification,
	}}
}

// medication: a drug named by reference is left to the full parse, which
// looks the Medication up (medication.go's drugOf). The store marks every
// medication record that counts as an exposure with its start, whatever
// the drug: a statement's start is read here as medicationStatement reads
// it; a request's comes from fields the skim does not read, so a request
// that counts goes to the full parse.
func (s *skimmer) medication(request bool) *facts.Resource {
	if len(s.f.MedicationReference) > 0 {
		s.ok = false
	}
	drug := s.concept(s.f.MedicationCodeableConcept)
	if s.stopped(drug.Coding, drug.Text) {
		return nil
	}
	status := s.str(s.f.Status)
	m := &facts.Medication{Meta: s.metaOf(status), Codes: drug.Coding, Display: skimText(drug), Status: status}
	switch {
	case request && facts.CountsAsExposure(true, status):
		s.ok = false
		return nil
	case !request:
		var period period
		s.decode(s.f.EffectivePeriod, &period)
		m.Start = firstTime(s.dateTime(period.Start, dateTimeLayouts), s.dateTime(s.f.EffectiveDateTime, dateTimeLayouts))
	}
	return &facts.Resource{Medication: m}
}

func (s *skimmer) immunization() *facts.Resource {
	vaccine := s.concept(s.f.VaccineCode)
	if s.stopped(vaccine.Coding, vaccine.Text) {
		return nil
	}
	status := s.str(s.f.Status)
	return &facts.Resource{Immunization: &facts.Immunization{Meta: s.metaOf(status), Display: skimText(vaccine), Status: status}}
}

func (s *skimmer) procedure() *facts.Resource {
	code := s.concept(s.f.Code)
	if s.stopped(code.Coding, code.Text) {
		return nil
	}
	status := s.str(s.f.Status)
	return &facts.Resource{Procedure: &facts.Procedure{Meta: s.metaOf(status), Display: skimText(code), Status: status}}
}

// encounter: an Encounter matches by its reason codes and texts
// (encounter.go); a hospital stay that names a Condition as its reason or
// diagnosis is relevant whatever the codes, so it goes to the full parse.
func (s *skimmer) encounter() *facts.Resource {
	var reasons []concept
	s.decode(s.f.ReasonCode, &reasons)
	var codes []facts.Coding
	var texts []string
	for _, r := range reasons {
		codes = append(codes, r.Coding...)
		if r.Text != "" {
			texts = append(texts, r.Text)
		}
	}
	if s.stopped(codes, texts...) {
		return nil
	}
	var class facts.Coding
	s.decode(s.f.Class, &class)
	if facts.InpatientClass(class.Code) && (len(s.f.ReasonReference) > 0 || len(s.f.Diagnosis) > 0) {
		s.ok = false
	}
	if !s.ok {
		return nil
	}
	status := s.str(s.f.Status)
	return &facts.Resource{Encounter: &facts.Encounter{Meta: s.metaOf(status), Class: class.Code, Status: status}}
}

// firstCode is codes.go's firstCode on a raw CodeableConcept.
func (s *skimmer) firstCode(raw json.RawMessage) string {
	for _, c := range s.concept(raw).Coding {
		if c.Code != "" {
			return c.Code
		}
	}
	return ""
}

// skimText is codes.go's conceptText: the text, else the first display.
func skimText(c concept) string {
	if c.Text != "" {
		return c.Text
	}
	for _, code := range c.Coding {
		if code.Display != "" {
			return code.Display
		}
	}
	return ""
}

// patient resolves the subject (or patient) reference as patientOf does,
// for the plain references it can be sure of; anything else (no reference,
// "#id", not a Patient) goes to the full parse, which also says why it
// rejects it.
func (s *skimmer) patient(raw json.RawMessage, sc *scope) string {
	var ref reference
	s.decode(raw, &ref)
	if !s.ok || ref.Reference == "" || strings.HasPrefix(ref.Reference, "#") || !verbatim(ref.Reference) {
		s.ok = false
		return ""
	}
	t, err := sc.resolve(s.ss, ref.Reference, s.from)
	if err != nil || t.typ != "Patient" {
		s.ok = false
		return ""
	}
	return t.String()
}

// verbatim reports whether jsonformat keeps a reference as written, so that
// resolving the raw string is resolving what the full path resolves. It
// rewrites "type/id" and "type/id/_history/n" into a typed id whenever the
// type names a reference field, however it is cased ("patient/1" comes back
// as "Patient/1"), and drops an empty history.
func verbatim(ref string) bool {
	parts := strings.Split(ref, "/")
	switch {
	case len(parts) == 2:
		return isR4Type(parts[0])
	case len(parts) == 4 && parts[2] == "_history":
		return isR4Type(parts[0]) && parts[3] != ""
	}
	return true
}

// metaOf is the version identity (meta.versionId, meta.lastUpdated) as
// resCtx.meta reads it, given the status (or verification status) that says
// whether the resource is retracted.
func (s *skimmer) metaOf(status string) facts.Meta {
	var meta metaFields
	s.decode(s.f.Meta, &meta)
	return facts.Meta{
		Ref:         s.ref,
		VersionID:   meta.VersionID,
		LastUpdated: s.dateTime(meta.LastUpdated, instantLayouts),
		Retracted:   status == "entered-in-error",
	}
}

// The layouts jsonformat tries, in its order (date_time.go): a dateTime
// with a time has a zone (Go accepts fractional seconds after the seconds
// of any layout); a date, month or year alone is read in the
// Unmarshaller's zone, UTC. An instant always has a time and a zone.
var (
	dateTimeLayouts = []string{"2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05Z", "2006-01-02", "2006-01", "2006"}
	instantLayouts  = []string{"2006-01-02T15:04:05Z", "2006-01-02T15:04:05-07:00"}
)

// dateTime reads a raw FHIR time as the full path does (dates.go): to the
// microsecond, in UTC; zero when absent. A value in none of the layouts
// stops the skim: the full parse decides what it means, or rejects it.
func (s *skimmer) dateTime(raw json.RawMessage, layouts []string) time.Time {
	v := s.str(raw)
	if !s.ok || len(raw) == 0 {
		return time.Time{}
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, v); err == nil {
			return time.UnixMicro(t.Unix()*1e6 + int64(t.Nanosecond()/1e3)).UTC()
		}
	}
	s.ok = false
	return time.Time{}
}
