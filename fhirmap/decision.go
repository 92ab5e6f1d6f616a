package fhirmap

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	obspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/observation_go_proto"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// A person's decision on a criterion is an ordinary FHIR R4 Observation on
// the input stream, so that it is durable, ordered, replayed and read by
// eval like any resource:
//
//	code                      DecisionSystem#criterion-decision
//	subject                   the patient
//	component                 DecisionSystem#trial = valueString trial id,
//	                          DecisionSystem#criterion = valueString criterion id
//	valueCodeableConcept      DecisionResultSystem#met | #not_met
//	note[0].text              the reason (mandatory)
//	performer[0].display      who decided
//	effectiveDateTime         when; also meta.lastUpdated
//	status                    final; entered-in-error withdraws it
//
// Its id is derived from the patient, trial and criterion: a later decision
// on the same criterion is a new version of the same resource, and so
// replaces the earlier one.
const (
	DecisionSystem       = "https://trialscout.dev/fhir/CodeSystem/decision"
	DecisionResultSystem = "https://trialscout.dev/fhir/CodeSystem/decision-result"
	decisionCode         = "criterion-decision"
)

// ErrDecision: an Observation with the decision code that does not say what
// a decision must (trial, criterion, result, reason).
var ErrDecision = fmt.Errorf("%w: not a valid decision", ErrNotFHIR)

// isDecision reports whether codings name a decision.
func isDecision(codes []facts.Coding) bool {
	for _, c := range codes {
		if c.System == DecisionSystem && c.Code == decisionCode {
			return true
		}
	}
	return false
}

// decision maps a decision Observation.
func (c *resCtx) decision(o *obspb.Observation, patient string) (*facts.Resource, error) {
	status := enumCode(o.GetStatus())
	d := &facts.Decision{Meta: c.meta(o.GetMeta(), status == "entered-in-error"), At: effective(o)}
	for _, comp := range o.GetComponent() {
		for _, code := range codings(comp.GetCode()) {
			if code.System != DecisionSystem {
				continue
			}
			switch v := comp.GetValue().GetStringValue().GetValue(); code.Code {
			case "trial":
				d.Trial = v
			case "criterion":
				d.Criterion = v
			}
		}
	}
	for _, code := range codings(o.GetValue().GetCodeableConcept()) {
		if code.System == DecisionResultSystem {
			d.Result = code.Code
		}
	}
	if notes := o.GetNote(); len(notes) > 0 {
		d.Reason = strings.TrimSpace(notes[0].GetText().GetValue())
	}
	if ps := o.GetPerformer(); len(ps) > 0 {
		d.By = ps[0].GetDisplay().GetValue()
	}
	if err := checkDecision(d.Trial, d.Criterion, d.Result, d.Reason); err != nil && !d.Retracted {
		return nil, fmt.Errorf("%w: %v", ErrDecision, err)
	}
	return &facts.Resource{Patient: patient, Relevant: true, Decision: d}, nil
}

// checkDecision says what a decision lacks.
func checkDecision(trial, criterion, result, reason string) error {
	switch {
	case trial == "":
		return fmt.Errorf("no trial component")
	case criterion == "":
		return fmt.Errorf("no criterion component")
	case result != "met" && result != "not_met":
		return fmt.Errorf("result %q: want met or not_met", result)
	case reason == "":
		return fmt.Errorf("no reason (note)")
	}
	return nil
}

// DecisionInput is what a person records.
type DecisionInput struct {
	Patient   string // "Patient/id", or "<base>/Patient/id" of another source
	Trial     string
	Criterion string
	Result    string // "met" or "not_met"
	Reason    string
	By        string
	At        time.Time
	// Withdraw takes back the decision on the criterion.
	Withdraw bool
}

// DecisionResource builds the Observation that records a decision, and
// names it ("Observation/<id>").
func DecisionResource(d DecisionInput) ([]byte, string, error) {
	if d.Withdraw {
		d.Result, d.Reason = coalesce(d.Result, "met"), coalesce(d.Reason, "withdrawn")
	}
	if err := checkDecision(d.Trial, d.Criterion, d.Result, strings.TrimSpace(d.Reason)); err != nil {
		return nil, "", fmt.Errorf("decision: %w", err)
	}
	if !strings.Contains(d.Patient, "Patient/") {
		return nil, "", fmt.Errorf("decision: patient %q is not a Patient reference", d.Patient)
	}
	if d.By == "" {
		return nil, "", fmt.Errorf("decision: who decided is not given")
	}
	at := d.At.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	id := DecisionID(d.Patient, d.Trial, d.Criterion)
	status := "final"
	if d.Withdraw {
		status = "entered-in-error"
	}
	comp := func(code, v string) map[string]any {
		return map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": DecisionSystem, "code": code}}}, "valueString": v}
	}
	res := map[string]any{
		"resourceType": "Observation", "id": id,
		"meta":   map[string]any{"lastUpdated": at},
		"status": status,
		"code": map[string]any{"coding": []any{map[string]any{"system": DecisionSystem, "code": decisionCode,
			"display": "Decision on a trial eligibility criterion"}}, "text": "trial eligibility decision"},
		"subject":              map[string]any{"reference": d.Patient},
		"effectiveDateTime":    at,
		"performer":            []any{map[string]any{"display": d.By}},
		"valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": DecisionResultSystem, "code": d.Result}}},
		"note":                 []any{map[string]any{"text": strings.TrimSpace(d.Reason)}},
		"component":            []any{comp("trial", d.Trial), comp("criterion", d.Criterion)},
	}
	data, err := json.Marshal(res)
	return data, "Observation/" + id, err
}

// DecisionID is the id of the resource recording decisions on one
// criterion of one trial for one patient.
func DecisionID(patient, trial, criterion string) string {
	sum := sha256.Sum256([]byte(patient + "\x00" + trial + "\x00" + criterion))
	return "tsd-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

func coalesce(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
