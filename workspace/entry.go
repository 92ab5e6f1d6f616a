package workspace

import (
	"slices"
	"strings"

	"github.com/trialscout/trialscout/evaluator"
)

// entry is what the read model derives once from one patient's evaluation of
// one trial. It is never modified after it is built: a Put replaces it.
type entry struct {
	patient string
	lower   string // the patient id lower-cased, for search
	ev      evaluator.Evaluation
	status  evaluator.Status

	unknowns int
	open     []string // criteria left to a person (review), in protocol order
	obtain   []string // what to obtain for the unknown criteria, deduplicated
	setKey   string   // obtain, sorted and joined: patients lacking exactly the same
	out      int      // protocol position of the first criterion ruling out; -1 if none
	outIdx   int      // its index in ev.Criteria
	stall    int      // protocol position of the first criterion neither in favour nor review; -1 if none
	results  []posResult
}

// posResult is a criterion's result at its protocol position, for the funnel.
type posResult struct {
	pos    int
	result evaluator.Result
}

// inFavour and against tell whether a result favours the patient or rules
// them out, by the criterion's kind (an exclusion that is met rules out).
func inFavour(kind string, r evaluator.Result) bool {
	if kind == evaluator.Exclusion {
		return r == evaluator.NotMet
	}
	return r == evaluator.Met
}

func against(kind string, r evaluator.Result) bool {
	if kind == evaluator.Exclusion {
		return r == evaluator.Met
	}
	return r == evaluator.NotMet
}

// deriveEntry reads an evaluation against its trial's view (nil for a trial
// the model does not know: then positions are the evaluation's own order).
func deriveEntry(tv *trialView, patient string, ev evaluator.Evaluation) *entry {
	e := &entry{patient: patient, lower: strings.ToLower(patient), ev: ev, status: ev.Status, out: -1, outIdx: -1, stall: -1}
	for i, c := range ev.Criteria {
		pos, known := i, tv == nil
		if tv != nil {
			pos, known = tv.index[c.ID]
		}
		if known && tv != nil {
			e.results = append(e.results, posResult{pos, c.Result})
		}
		e.note(tv, i, pos, known, c)
	}
	if len(e.obtain) > 0 {
		sorted := slices.Clone(e.obtain)
		slices.Sort(sorted)
		e.setKey = strings.Join(sorted, "\x1f")
	}
	return e
}

func (e *entry) note(tv *trialView, i, pos int, known bool, c evaluator.CriterionResult) {
	switch {
	case c.Result == evaluator.Review:
		e.open = append(e.open, c.ID)
	case c.Result == evaluator.Unknown:
		e.unknowns++
		if tv != nil {
			for _, item := range tv.obtain.Items(c.ID, c.Reason) {
				e.obtain = appendNew(e.obtain, item)
			}
		}
	}
	if !known {
		return
	}
	if against(c.Kind, c.Result) && (e.out < 0 || pos < e.out) {
		e.out, e.outIdx = pos, i
	}
	if !inFavour(c.Kind, c.Result) && c.Result != evaluator.Review && (e.stall < 0 || pos < e.stall) {
		e.stall = pos
	}
}

// ruledOutBy is the first criterion, in protocol order, that rules the
// patient out, or nil.
func (e *entry) ruledOutBy() *evaluator.CriterionResult {
	if e.outIdx < 0 {
		return nil
	}
	return &e.ev.Criteria[e.outIdx]
}

// sortKey is what orders the entry in its status's worklist (then the
// patient id): open decisions for candidates, unknowns for incomplete
// patients, the ruling-out criterion's position for ineligible ones.
func (e *entry) sortKey() int {
	switch e.status {
	case evaluator.Candidate:
		return len(e.open)
	case evaluator.Incomplete:
		return e.unknowns
	case evaluator.Ineligible:
		return e.out
	}
	return 0
}
