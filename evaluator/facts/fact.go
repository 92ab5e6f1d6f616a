package facts

import "time"

// Meta identifies one version of one resource.
type Meta struct {
	// Ref is "ResourceType/id", the resource's identity across versions.
	Ref string `json:"ref"`
	// VersionID is meta.versionId, empty when absent.
	VersionID string `json:"version_id,omitempty"`
	// LastUpdated is meta.lastUpdated; the zero time when absent (counts as earliest).
	LastUpdated time.Time `json:"last_updated,omitzero"`
	// Retracted is set when the resource's status is entered-in-error: the
	// version retracts every earlier one.
	Retracted bool `json:"retracted,omitempty"`
}

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

// Observation is a lab result or measurement of a concept some trial reads.
type Observation struct {
	Meta
	Concepts []string `json:"concepts"`
	// Code names the matching code for reasons ("LOINC 751-8").
	Code   string `json:"code,omitempty"`
	Status string `json:"status"`
	// Effective is effectiveDateTime, else effectivePeriod end/start, else issued.
	Effective      time.Time   `json:"effective,omitzero"`
	Value          Value       `json:"value,omitzero"`
	Interpretation []string    `json:"interpretation,omitempty"` // codes: POS, NEG, H, L, ...
	RefLow         *Quantity   `json:"ref_low,omitempty"`
	RefHigh        *Quantity   `json:"ref_high,omitempty"`
	Components     []Component `json:"components,omitempty"`
}

// Component is one Observation.component with a code some concept names.
type Component struct {
	Concepts []string `json:"concepts"`
	Value    Value    `json:"value"`
}

// Condition is a diagnosis or problem of a concept some trial reads.
type Condition struct {
	Meta
	Concepts     []string `json:"concepts"`
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

// Medication is one MedicationStatement or MedicationRequest of a drug some
// trial reads, with its period and daily dose already worked out.
type Medication struct {
	Meta
	// Ingredients are the recognised ingredient concepts (usually one).
	Ingredients []string `json:"ingredients"`
	// Concepts are the ingredients and every class that includes them.
	Concepts []string  `json:"concepts"`
	Display  string    `json:"display,omitempty"`
	Status   string    `json:"status"`
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	// DailyDoseMg is the daily dose in mg; nil when it cannot be worked out
	// (DoseNote says why).
	DailyDoseMg *float64 `json:"daily_dose_mg,omitempty"`
	DoseNote    string   `json:"dose_note,omitempty"`
	// Route is "oral", "other" or "" (none given, which counts as oral).
	Route string `json:"route,omitempty"`
}

// Immunization is a vaccination of a concept some trial reads.
type Immunization struct {
	Meta
	Concepts   []string  `json:"concepts"`
	Display    string    `json:"display,omitempty"`
	Status     string    `json:"status"`
	Occurrence time.Time `json:"occurrence,omitzero"`
}

// Procedure is a procedure of a concept some trial reads.
type Procedure struct {
	Meta
	Concepts  []string  `json:"concepts"`
	Display   string    `json:"display,omitempty"`
	Status    string    `json:"status"`
	Performed time.Time `json:"performed,omitzero"` // performedDateTime or performedPeriod.start
	Ended     time.Time `json:"ended,omitzero"`     // performedPeriod.end
}

// Allergy is an AllergyIntolerance. Every allergy is kept: severity alone can
// decide a criterion, whatever the substance.
type Allergy struct {
	Meta
	Concepts     []string `json:"concepts,omitempty"`
	Display      string   `json:"display,omitempty"`
	Verification string   `json:"verification,omitempty"`
	Criticality  string   `json:"criticality,omitempty"`
	// Severe is true when any reaction has severity severe.
	Severe bool `json:"severe,omitempty"`
}

// Demographics is what the rules read of the Patient resource.
type Demographics struct {
	Meta
	BirthDate time.Time `json:"birth_date,omitzero"` // zero when absent
	Gender    string    `json:"gender,omitempty"`    // male, female, other, unknown or empty
}

// Resource is one mapped resource: exactly one field is set.
type Resource struct {
	// Patient is the "Patient/id" the resource belongs to.
	Patient      string        `json:"patient"`
	Demographics *Demographics `json:"demographics,omitempty"`
	Observation  *Observation  `json:"observation,omitempty"`
	Condition    *Condition    `json:"condition,omitempty"`
	Medication   *Medication   `json:"medication,omitempty"`
	Immunization *Immunization `json:"immunization,omitempty"`
	Procedure    *Procedure    `json:"procedure,omitempty"`
	Allergy      *Allergy      `json:"allergy,omitempty"`
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
	}
	return Meta{}
}

// Reference returns "ResourceType/id".
func (m Meta) Reference() string { return m.Ref }
