package facts

import "time"

// Meta identifies one version of one resource.
type Meta struct {
	// Ref is the resource's identity across versions: "ResourceType/id" for
	// the default source, "<base URL>/ResourceType/id" for any other (see
	// package fhirmap, Sources).
	Ref string `json:"ref"`
	// VersionID is meta.versionId, empty when absent.
	VersionID string `json:"version_id,omitempty"`
	// LastUpdated is meta.lastUpdated; the zero time when absent.
	LastUpdated time.Time `json:"last_updated,omitzero"`
	// Arrival orders versions that meta cannot: the input stream's sequence
	// (and the entry's place in a Bundle) for the worker, the position in
	// the input for eval. 0 when unknown (counts as earliest).
	Arrival uint64 `json:"arrival,omitempty"`
	// Retracted is set when the resource's status is entered-in-error: the
	// version retracts every earlier one.
	Retracted bool `json:"retracted,omitempty"`
}

// Version returns the ordering part of m.
func (m Meta) Version() Version {
	return Version{VersionID: m.VersionID, LastUpdated: m.LastUpdated, Arrival: m.Arrival}
}

// Reference returns the resource's identity, as evidence names it.
func (m Meta) Reference() string { return m.Ref }

// Coding is one code of a CodeableConcept, with its display text.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Quantity is a measured amount in the unit the sender used. Unit is a UCUM
// code when the sender gave one (Quantity.code with a UCUM system), otherwise
// the unit text.
type Quantity struct {
	Value      float64 `json:"value"`
	Unit       string  `json:"unit,omitempty"`
	Comparator string  `json:"comparator,omitempty"` // "<", "<=", ">=", ">" or empty
}

// ValueKind says which of Value's fields holds the value.
type ValueKind uint8

// The kinds of an Observation value that the rules read.
const (
	NoValue ValueKind = iota
	QuantityValue
	CodedValue
	StringValue
	BoolValue
	RatioValue
)

// Value is an Observation's (or component's) value[x], reduced to the kinds
// the rules read. valueInteger is read as a Quantity without unit.
type Value struct {
	Kind     ValueKind `json:"kind"`
	Quantity Quantity  `json:"quantity,omitzero"`
	Codes    []Coding  `json:"codes,omitempty"`
	Text     string    `json:"text,omitempty"`
	Bool     bool      `json:"bool,omitempty"`
	// Ratio is numerator / denominator as given (1:160 is {1, 160}).
	Ratio [2]float64 `json:"ratio,omitzero"`
}

// Observation is a lab result or measurement. Facts hold the codes as sent:
// which concept of which trial they mean is decided by each trial when it
// evaluates, so that no trial's vocabulary shapes another's facts.
type Observation struct {
	Meta
	Codes  []Coding `json:"codes,omitempty"`
	Status string   `json:"status"`
	// Effective is effectiveDateTime, else effectivePeriod end/start, else issued.
	Effective      time.Time   `json:"effective,omitzero"`
	Value          Value       `json:"value,omitzero"`
	Interpretation []string    `json:"interpretation,omitempty"` // codes: POS, NEG, H, L, ...
	RefLow         *Quantity   `json:"ref_low,omitempty"`
	RefHigh        *Quantity   `json:"ref_high,omitempty"`
	Components     []Component `json:"components,omitempty"`
}

// Component is one Observation.component: its codes and value.
type Component struct {
	Codes []Coding `json:"codes,omitempty"`
	Value Value    `json:"value"`
}

// Condition is a diagnosis or problem.
type Condition struct {
	Meta
	Codes        []Coding `json:"codes,omitempty"`
	Text         string   `json:"text,omitempty"` // code.text, matched against concept names
	Display      string   `json:"display,omitempty"`
	Clinical     string   `json:"clinical,omitempty"`     // clinicalStatus code, empty when absent
	Verification string   `json:"verification,omitempty"` // verificationStatus code
	// Onset is onsetDateTime or onsetPeriod.start; zero when absent.
	Onset time.Time `json:"onset,omitzero"`
	// OnsetAge is onsetAge (the start is birthDate + age); nil when absent.
	OnsetAge *Quantity `json:"onset_age,omitempty"`
	Recorded time.Time `json:"recorded,omitzero"`
	// Abated is true when any abatement[x] is present; Abatement is its time when it has one.
	Abated    bool      `json:"abated,omitempty"`
	Abatement time.Time `json:"abatement,omitzero"`
}

// Medication is one MedicationStatement or MedicationRequest, with its
// period and daily dose already worked out.
type Medication struct {
	Meta
	// Codes and Texts identify the drug: the medication's codes (and those
	// of a referenced Medication and its ingredients), and its texts and
	// displays, in which ingredient names are matched.
	Codes   []Coding  `json:"codes,omitempty"`
	Texts   []string  `json:"texts,omitempty"`
	Display string    `json:"display,omitempty"`
	Status  string    `json:"status"`
	Start   time.Time `json:"start,omitzero"`
	End     time.Time `json:"end,omitzero"`
	// DailyDoseMg is the daily dose in mg; nil when it cannot be worked out
	// (DoseNote says why).
	DailyDoseMg *float64 `json:"daily_dose_mg,omitempty"`
	DoseNote    string   `json:"dose_note,omitempty"`
	// Route is "oral", "other" or "" (none given, which counts as oral).
	Route string `json:"route,omitempty"`
}

// IsRequest reports whether the record is a MedicationRequest (whose status
// rules differ from a statement's).
func (m *Medication) IsRequest() bool { return resourceType(m.Ref) == "MedicationRequest" }

// CountsAsExposure reports whether a medication record is an exposure at
// all: a not-taken or intended statement, or a request that is not active or
// completed, is none.
func CountsAsExposure(isRequest bool, status string) bool {
	if isRequest {
		return status == "active" || status == "completed"
	}
	return status != "not-taken" && status != "intended" && status != "entered-in-error"
}

// Immunization is a vaccination.
type Immunization struct {
	Meta
	Codes      []Coding  `json:"codes,omitempty"`
	Text       string    `json:"text,omitempty"`
	Display    string    `json:"display,omitempty"`
	Status     string    `json:"status"`
	Occurrence time.Time `json:"occurrence,omitzero"`
}

// Procedure is a procedure.
type Procedure struct {
	Meta
	Codes     []Coding  `json:"codes,omitempty"`
	Text      string    `json:"text,omitempty"`
	Display   string    `json:"display,omitempty"`
	Status    string    `json:"status"`
	Performed time.Time `json:"performed,omitzero"` // performedDateTime or performedPeriod.start
	Ended     time.Time `json:"ended,omitzero"`     // performedPeriod.end
}

// Allergy is an AllergyIntolerance. Every allergy is kept: severity alone can
// decide a criterion, whatever the substance.
type Allergy struct {
	Meta
	Codes        []Coding `json:"codes,omitempty"`
	Texts        []string `json:"texts,omitempty"`
	Display      string   `json:"display,omitempty"`
	Verification string   `json:"verification,omitempty"`
	Criticality  string   `json:"criticality,omitempty"`
	// Severe is true when any reaction has severity severe.
	Severe bool `json:"severe,omitempty"`
}

// Decision is a person's decision on one criterion of one trial: a
// criterion left to a person decided, or an automated result overridden
// (with its reason). A later decision on the criterion replaces it (it is
// the same resource, in a new version); a withdrawn one is retracted.
type Decision struct {
	Meta
	Trial     string    `json:"trial"`
	Criterion string    `json:"criterion"`
	Result    string    `json:"result"` // "met" or "not_met"
	Reason    string    `json:"reason"`
	By        string    `json:"by"`
	At        time.Time `json:"at,omitzero"`
}

// Encounter is a visit or stay, as the rules read it: what kind, when, and
// why (its reason codes, and the Conditions it names as its reason or
// diagnosis, which the evaluator finds among the patient's Conditions).
type Encounter struct {
	Meta
	// Class is Encounter.class's code (v3 ActCode: IMP inpatient, ACUTE,
	// NONAC, EMER, AMB, ...).
	Class  string   `json:"class,omitempty"`
	Types  []Coding `json:"types,omitempty"`
	Status string   `json:"status"`
	// Start and End are period.start and period.end (End zero: ongoing).
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// ReasonCodes and ReasonTexts are every reasonCode's codings and texts.
	ReasonCodes []Coding `json:"reason_codes,omitempty"`
	ReasonTexts []string `json:"reason_texts,omitempty"`
	// Conditions are the Conditions of reasonReference and
	// diagnosis.condition, named as Meta.Ref names resources.
	Conditions []string `json:"conditions,omitempty"`
	Display    string   `json:"display,omitempty"`
}

// InpatientClass reports whether an Encounter.class code is a hospital stay:
// v3 ActCode IMP (inpatient encounter), ACUTE (inpatient acute) or NONAC
// (inpatient non-acute). Emergency (EMER), observation (OBSENC) and
// ambulatory (AMB) encounters are not.
func InpatientClass(code string) bool {
	return code == "IMP" || code == "ACUTE" || code == "NONAC"
}

// Demographics is what the rules read of the Patient resource.
type Demographics struct {
	Meta
	BirthDate time.Time `json:"birth_date,omitzero"` // zero when absent
	Gender    string    `json:"gender,omitempty"`    // male, female, other, unknown or empty
	// Deceased is deceasedBoolean true or any deceasedDateTime; DeceasedAt
	// is that date-time (zero when only the boolean is given).
	Deceased   bool      `json:"deceased,omitempty"`
	DeceasedAt time.Time `json:"deceased_at,omitzero"`
}

// Resource is one mapped resource: exactly one fact field is set.
type Resource struct {
	// Patient is the patient the resource belongs to, as Meta.Ref names
	// resources ("Patient/id" or "<base>/Patient/id").
	Patient string `json:"patient"`
	// Relevant says whether some loaded trial's concepts match the resource:
	// only then does the store keep its content (see Patient.Apply). The
	// mapper decides it; it is not stored.
	Relevant     bool          `json:"-"`
	Demographics *Demographics `json:"demographics,omitempty"`
	Observation  *Observation  `json:"observation,omitempty"`
	Condition    *Condition    `json:"condition,omitempty"`
	Medication   *Medication   `json:"medication,omitempty"`
	Immunization *Immunization `json:"immunization,omitempty"`
	Procedure    *Procedure    `json:"procedure,omitempty"`
	Allergy      *Allergy      `json:"allergy,omitempty"`
	Decision     *Decision     `json:"decision,omitempty"`
	Encounter    *Encounter    `json:"encounter,omitempty"`
}

// Meta returns the identity of whichever fact r holds.
func (r Resource) Meta() Meta {
	switch {
	case r.Demographics != nil:
		return r.Demographics.Meta
	case r.Observation != nil:
		return r.Observation.Meta
	case r.Condition != nil:
		return r.Condition.Meta
	case r.Medication != nil:
		return r.Medication.Meta
	case r.Immunization != nil:
		return r.Immunization.Meta
	case r.Procedure != nil:
		return r.Procedure.Meta
	case r.Allergy != nil:
		return r.Allergy.Meta
	case r.Decision != nil:
		return r.Decision.Meta
	case r.Encounter != nil:
		return r.Encounter.Meta
	}
	return Meta{}
}

// SetArrival sets the arrival order of whichever fact r holds.
func (r Resource) SetArrival(a uint64) {
	switch {
	case r.Demographics != nil:
		r.Demographics.Arrival = a
	case r.Observation != nil:
		r.Observation.Arrival = a
	case r.Condition != nil:
		r.Condition.Arrival = a
	case r.Medication != nil:
		r.Medication.Arrival = a
	case r.Immunization != nil:
		r.Immunization.Arrival = a
	case r.Procedure != nil:
		r.Procedure.Arrival = a
	case r.Allergy != nil:
		r.Allergy.Arrival = a
	case r.Decision != nil:
		r.Decision.Arrival = a
	case r.Encounter != nil:
		r.Encounter.Arrival = a
	}
}

// resourceType is the "Type" of a Ref, whichever its source.
func resourceType(ref string) string {
	end := len(ref)
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '/' {
			if end != len(ref) {
				return ref[i+1 : end]
			}
			end = i
		}
	}
	if end != len(ref) {
		return ref[:end]
	}
	return ""
}
