package evaluator

import "github.com/trialscout/trialscout/evaluator/facts"

// Trial is a trial definition as loaded from its file. Package config builds
// it from YAML; Compile checks it and turns it into a Program.
type Trial struct {
	ID    string
	Title string
	// Source names the file it came from, for error messages.
	Source string
	// Parameters are named spans ("screening_window": "28d") that concepts'
	// windows refer to.
	Parameters map[string]string
	// Positive and Negative are the answer codes (SNOMED Positive, Not
	// detected, ...) that make any qualitative result positive or negative.
	Positive []facts.Coding
	Negative []facts.Coding
	Concepts []Concept
	Criteria []Criterion
}

// Concept is one named value set with what the rules need to read its data.
type Concept struct {
	Name  string
	Title string // used in reasons: "ANC"
	Line  int

	Codes      []facts.Coding
	Names      []string
	Includes   []string
	Ingredient bool

	// Window is a parameter name or a span: results older than it are not used.
	Window string
	// Unit is the canonical UCUM unit values are converted to.
	Unit string
	// MolarMass (g/mol) converts between mass and substance concentrations.
	MolarMass float64
	// Conversions are what UCUM cannot know about this analyte (HbA1c
	// IFCC mmol/mol to NGSP %, meq/L to mmol/L for a monovalent ion). A
	// declared conversion is tried before UCUM.
	Conversions []Conversion
	// Derive names how the value is worked out from other concepts when no
	// reported result is newer: "ckd_epi_2021" (eGFR from creatinine, age
	// and sex) or "bmi" (from weight and height). Empty: reported only.
	Derive string
	// Ordinal lists the coded answers of an ordinal scale, lowest first
	// (NYHA class I to IV); each level may have several equivalent codes.
	Ordinal []OrdinalLevel
	// ULN / LLN are the defaults when a result has no reference range.
	ULN *facts.Quantity
	LLN *facts.Quantity
	// PositiveTiter: a titer 1:N is positive when N >= it.
	PositiveTiter float64
	// NegativeBelow / PositiveAt are quantitative cut-offs that replace the
	// result's own reference range (hCG: < 5 negative, >= 25 positive).
	NegativeBelow *facts.Quantity
	PositiveAt    *facts.Quantity
	// ViralLoad reads "detected or above the detection limit" as positive.
	ViralLoad bool
	// PositiveCodes / NegativeCodes are answers specific to this concept
	// (pregnancy status "Pregnant" / "Not pregnant").
	PositiveCodes []facts.Coding
	NegativeCodes []facts.Coding
	// PrednisoneFactor converts an oral corticosteroid's mg to prednisone mg.
	PrednisoneFactor float64
}

// Conversion is an affine conversion declared for one analyte: a value in
// From is Scale x value + Offset in To.
type Conversion struct {
	From, To      string
	Scale, Offset float64
}

// OrdinalLevel is one level of an ordinal scale: its name, which rules use
// ("II"), and the codes that mean it.
type OrdinalLevel struct {
	Name  string
	Codes []facts.Coding
}

// Criterion is one inclusion or exclusion criterion.
type Criterion struct {
	ID   string
	Kind string // inclusion or exclusion
	// Text is the protocol sentence it implements.
	Text string
	// Rule is a CEL expression over `patient`; true means met.
	Rule string
	// Review, when set instead of Rule, makes the criterion always `review`
	// with this reason: EHR data can never decide it.
	Review string
	Line   int // line of the criterion in Source
	// RuleLine and RuleColumn are where Rule's text starts in Source (for a
	// YAML block scalar, RuleColumn is its indentation), so that CEL
	// positions map back to the file.
	RuleLine   int
	RuleColumn int
}
