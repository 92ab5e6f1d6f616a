package workspace

import (
	"context"
	"time"

	"github.com/trialscout/trialscout/evaluator"
)

// Eligible is the status of a patient whose every criterion, those left to a
// person included, is decided in their favour.
const Eligible = evaluator.Eligible

// Statuses are the four statuses in the order the workspace lists them.
var Statuses = []evaluator.Status{Eligible, evaluator.Candidate, evaluator.Incomplete, evaluator.Ineligible}

// PatientState is a patient's latest evaluations, one per trial, as the state
// bucket holds them.
type PatientState struct {
	// Patient is the patient's reference ("Patient/123"), or an absolute URL
	// for another source.
	Patient     string
	Evaluations []evaluator.Evaluation
}

// Transition is one status-change event.
type Transition struct {
	EventID string           `json:"id"`
	Trial   string           `json:"trial"`
	Patient string           `json:"patient"`
	From    evaluator.Status `json:"from,omitempty"` // empty on a patient's first event
	To      evaluator.Status `json:"to"`
	Time    time.Time        `json:"time"`
	// Cause is the resource whose arrival caused the change, "time", or a
	// decision's resource id.
	Cause string `json:"cause,omitempty"`
}

// Decision is what a person records on a criterion.
type Decision struct {
	Patient   string           `json:"patient"`
	Trial     string           `json:"trial"`
	Criterion string           `json:"criterion"`
	Result    evaluator.Result `json:"result,omitempty"` // Met or NotMet; empty on a withdrawal
	Reason    string           `json:"reason"`           // mandatory
	By        string           `json:"by"`               // the authenticated user, or who the form names on loopback
	At        time.Time        `json:"at"`
	// Withdraw takes back this person's earlier decision on the criterion.
	Withdraw bool `json:"withdraw,omitempty"`
}

// DecisionRecorder publishes a decision. The patient's re-evaluation then
// reaches the read model like any other.
type DecisionRecorder interface {
	Record(ctx context.Context, d Decision) error
}

var _ DecisionRecorder = RecorderFunc(nil)

// RecorderFunc adapts a function to DecisionRecorder.
type RecorderFunc func(ctx context.Context, d Decision) error

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, d Decision) error { return f(ctx, d) }
