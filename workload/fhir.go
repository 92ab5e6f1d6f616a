package workload

// FHIR R4 JSON shapes: only the elements the generator fills, in the
// order the specification lists them, so that encoding/json writes compact,
// readable resources ("resourceType" first).

type meta struct {
	VersionID   string `json:"versionId"`
	LastUpdated string `json:"lastUpdated"`
}

// head starts every resource.
type head struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         *meta  `json:"meta,omitempty"`
}

func (h *head) base() *head { return h }

// resource is any of the resource shapes below.
type resource interface{ base() *head }

type coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type concept struct {
	Coding []coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

type quantity struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	System string  `json:"system,omitempty"`
	Code   string  `json:"code,omitempty"`
}

type reference struct {
	Reference string `json:"reference"`
}

type period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type humanName struct {
	Use    string   `json:"use"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
}

type patient struct {
	head
	Identifier []identifier `json:"identifier"`
	Active     bool         `json:"active"`
	Name       []humanName  `json:"name"`
	Gender     string       `json:"gender"`
	BirthDate  string       `json:"birthDate"`
}

type refRange struct {
	Low  *quantity `json:"low,omitempty"`
	High *quantity `json:"high,omitempty"`
}

type component struct {
	Code          concept   `json:"code"`
	ValueQuantity *quantity `json:"valueQuantity,omitempty"`
	ValueInteger  *int      `json:"valueInteger,omitempty"`
}

type observation struct {
	head
	Status               string      `json:"status"`
	Category             []concept   `json:"category"`
	Code                 concept     `json:"code"`
	Subject              reference   `json:"subject"`
	EffectiveDateTime    string      `json:"effectiveDateTime"`
	Issued               string      `json:"issued,omitempty"`
	ValueQuantity        *quantity   `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *concept    `json:"valueCodeableConcept,omitempty"`
	ValueInteger         *int        `json:"valueInteger,omitempty"`
	Interpretation       []concept   `json:"interpretation,omitempty"`
	ReferenceRange       []refRange  `json:"referenceRange,omitempty"`
	Component            []component `json:"component,omitempty"`

	spec *labSpec // the test behind a valueQuantity, for corrections
}

type condition struct {
	head
	ClinicalStatus     *concept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *concept  `json:"verificationStatus"`
	Category           []concept `json:"category"`
	Code               concept   `json:"code"`
	Subject            reference `json:"subject"`
	OnsetDateTime      string    `json:"onsetDateTime,omitempty"`
	AbatementDateTime  string    `json:"abatementDateTime,omitempty"`
	RecordedDate       string    `json:"recordedDate,omitempty"`
}

type repeat struct {
	BoundsPeriod *period `json:"boundsPeriod,omitempty"`
	Frequency    int     `json:"frequency"`
	Period       float64 `json:"period"`
	PeriodUnit   string  `json:"periodUnit"`
}

type timing struct {
	Repeat repeat `json:"repeat"`
}

type doseAndRate struct {
	DoseQuantity quantity `json:"doseQuantity"`
}

type dosage struct {
	Text        string        `json:"text"`
	Timing      timing        `json:"timing"`
	Route       *concept      `json:"route,omitempty"`
	DoseAndRate []doseAndRate `json:"doseAndRate"`
}

type medicationStatement struct {
	head
	Status                    string    `json:"status"`
	MedicationCodeableConcept concept   `json:"medicationCodeableConcept"`
	Subject                   reference `json:"subject"`
	EffectivePeriod           period    `json:"effectivePeriod"`
	DateAsserted              string    `json:"dateAsserted"`
	Dosage                    []dosage  `json:"dosage"`
}

type medicationRequest struct {
	head
	Status                    string    `json:"status"`
	Intent                    string    `json:"intent"`
	MedicationCodeableConcept concept   `json:"medicationCodeableConcept"`
	Subject                   reference `json:"subject"`
	AuthoredOn                string    `json:"authoredOn"`
	DosageInstruction         []dosage  `json:"dosageInstruction"`
}

type immunization struct {
	head
	Status             string    `json:"status"`
	VaccineCode        concept   `json:"vaccineCode"`
	Patient            reference `json:"patient"`
	OccurrenceDateTime string    `json:"occurrenceDateTime"`
	PrimarySource      bool      `json:"primarySource"`
}

type procedure struct {
	head
	Status            string    `json:"status"`
	Code              concept   `json:"code"`
	Subject           reference `json:"subject"`
	PerformedDateTime string    `json:"performedDateTime"`
}

type reaction struct {
	Manifestation []concept `json:"manifestation"`
	Severity      string    `json:"severity"`
}

type allergyIntolerance struct {
	head
	ClinicalStatus     *concept   `json:"clinicalStatus,omitempty"`
	VerificationStatus concept    `json:"verificationStatus"`
	Type               string     `json:"type"`
	Category           []string   `json:"category"`
	Criticality        string     `json:"criticality"`
	Code               concept    `json:"code"`
	Patient            reference  `json:"patient"`
	RecordedDate       string     `json:"recordedDate"`
	Reaction           []reaction `json:"reaction"`
}

type encounter struct {
	head
	Status  string    `json:"status"`
	Class   coding    `json:"class"`
	Type    []concept `json:"type"`
	Subject reference `json:"subject"`
	Period  period    `json:"period"`
}

// cc is a CodeableConcept of one coding, with its display as text.
func cc(c coding) concept { return concept{Coding: []coding{c}, Text: c.Display} }

// status is a CodeableConcept of one code of a status system.
func status(system, code string) *concept {
	return &concept{Coding: []coding{{System: system, Code: code}}}
}

// ucumQ is a UCUM quantity.
func ucumQ(v float64, code, unit string) *quantity {
	return &quantity{Value: v, Unit: unit, System: ucum, Code: code}
}
