package evaluator

// Change is one criterion whose result differs between two evaluations.
type Change struct {
	ID   string `json:"id"`
	From Result `json:"from,omitempty"`
	To   Result `json:"to"`
}

// Diff compares two evaluations of one patient and trial. It reports whether
// the status changed and which criteria changed result. A nil prev is the
// first evaluation: the status counts as changed and every criterion as new.
func Diff(prev, next *Evaluation) (statusChanged bool, changes []Change) {
	old := map[string]Result{}
	if prev != nil {
		for _, c := range prev.Criteria {
			old[c.ID] = c.Result
		}
	}
	for _, c := range next.Criteria {
		if from, ok := old[c.ID]; !ok || from != c.Result {
			changes = append(changes, Change{ID: c.ID, From: from, To: c.Result})
		}
	}
	return prev == nil || prev.Status != next.Status, changes
}
