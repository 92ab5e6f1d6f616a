package streams

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/trialscout/trialscout/evaluator"
)

// Event is a status change of one patient for one trial, as the contract
// fixes it.
type Event struct {
	ID             string               `json:"id"`
	Time           time.Time            `json:"time"`
	Trial          string               `json:"trial"`
	Patient        string               `json:"patient"`
	PreviousStatus evaluator.Status     `json:"previous_status,omitempty"`
	Status         evaluator.Status     `json:"status"`
	Changed        []evaluator.Change   `json:"changed"`
	Cause          string               `json:"cause"`
	Evaluation     evaluator.Evaluation `json:"evaluation"`
}

// eventID is stable across redelivery: the same trigger (an input message's
// stream sequence, or the due time of a time-driven check) and the same
// transition give the same id.
func eventID(trigger, trial, patient string, from, to evaluator.Status) string {
	h := sha256.Sum256([]byte(trigger + "\x00" + trial + "\x00" + patient + "\x00" + string(from) + "\x00" + string(to)))
	return hex.EncodeToString(h[:16])
}
