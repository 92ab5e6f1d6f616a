package evaluator

import "time"

// Result is one criterion's outcome.
type Result string

// The four outcomes of a criterion. For an exclusion, Met means excluded.
const (
	Met     Result = "met"
	NotMet  Result = "not_met"
	Unknown Result = "unknown"
	Review  Result = "review"
)

// Status is a patient's standing for a trial.
type Status string

// The statuses, in the contract's words.
const (
	// Eligible: every criterion decided in the patient's favour, those
	// left to a person included, by recorded decisions.
	Eligible Status = "eligible"
	// Candidate: every automatable criterion in the patient's favour, some
	// still left to a person.
	Candidate  Status = "candidate"
	Incomplete Status = "incomplete"
	Ineligible Status = "ineligible"
)

// Kinds of criteria.
const (
	Inclusion = "inclusion"
	Exclusion = "exclusion"
)

// CriterionResult is one decided criterion: what, why, and from which resources.
type CriterionResult struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Result   Result   `json:"result"`
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence"`
}

// Evaluation is a patient's evaluation for one trial at one time.
type Evaluation struct {
	Trial    string            `json:"trial"`
	Patient  string            `json:"patient"`
	AsOf     time.Time         `json:"as_of"`
	Status   Status            `json:"status"`
	Criteria []CriterionResult `json:"criteria"`
	// StatusReason says why the status is not what the criteria alone
	// give: a deceased patient is ineligible for every trial.
	StatusReason string `json:"status_reason,omitempty"`
	// ValidUntil is the earliest later time at which some result changes
	// with no new data; nil when nothing would.
	ValidUntil *time.Time `json:"valid_until,omitempty"`
}

// Criterion returns the result with the given id, or nil.
func (e Evaluation) Criterion(id string) *CriterionResult {
	for i := range e.Criteria {
		if e.Criteria[i].ID == id {
			return &e.Criteria[i]
		}
	}
	return nil
}

// statusOf applies the protocol's rule: any failed inclusion or met
// exclusion rules the patient out; all decided in their favour makes them
// eligible, or a candidate while some are left to a person; anything else
// is incomplete.
func statusOf(results []CriterionResult) Status {
	complete, waiting := true, false
	for _, r := range results {
		bad, good := NotMet, Met
		if r.Kind == Exclusion {
			bad, good = Met, NotMet
		}
		switch r.Result {
		case bad:
			return Ineligible
		case Review:
			waiting = true
		case good:
		default:
			complete = false
		}
	}
	switch {
	case !complete:
		return Incomplete
	case waiting:
		return Candidate
	}
	return Eligible
}
