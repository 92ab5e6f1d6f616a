package streams

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"strings"

	"github.com/trialscout/trialscout/evaluator"
)

// Each status event is also published as a FHIR R4 ResearchSubject, for
// recruitment systems that speak FHIR: the trial is the study, the patient
// the individual, and the status is mapped to ResearchSubject's own
// (incomplete → potential-candidate). One ResearchSubject per patient and
// trial, in a new version with every change.
var researchStatus = map[evaluator.Status]string{
	evaluator.Incomplete: "potential-candidate",
	evaluator.Candidate:  "candidate",
	evaluator.Eligible:   "eligible",
	evaluator.Ineligible: "ineligible",
}

// researchSubject is the ResearchSubject of an event.
func researchSubject(e Event) ([]byte, error) {
	res := map[string]any{
		"resourceType": "ResearchSubject",
		"id":           researchSubjectID(e.Trial, e.Patient),
		"meta":         map[string]any{"lastUpdated": e.Time.UTC().Format("2006-01-02T15:04:05.000Z")},
		"identifier":   []any{map[string]any{"system": "https://trialscout.dev/fhir/NamingSystem/status-event", "value": e.ID}},
		"status":       researchStatus[e.Status],
		"study":        map[string]any{"reference": "ResearchStudy/" + e.Trial},
		"individual":   map[string]any{"reference": e.Patient},
	}
	return json.Marshal(res)
}

// researchSubjectID names the ResearchSubject of a patient in a trial.
func researchSubjectID(trial, patient string) string {
	sum := sha256.Sum256([]byte(trial + "\x00" + patient))
	return "tsr-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}
