package workspace

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator"
)

// ErrUnknownTrial is returned for a trial id the read model does not hold.
var ErrUnknownTrial = errors.New("unknown trial")

// TrialSummary is a trial's counts by status and its funnel.
type TrialSummary struct {
	ID     string                   `json:"id"`
	Title  string                   `json:"title"`
	Total  int                      `json:"total"`
	Counts map[evaluator.Status]int `json:"counts"`
	Funnel []FunnelStep             `json:"funnel"`
}

// FunnelStep is one criterion, in protocol order: how many patients have each
// result, and how many remain after it and every criterion before it.
type FunnelStep struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Text    string `json:"text"`
	Met     int    `json:"met"`
	NotMet  int    `json:"not_met"`
	Unknown int    `json:"unknown"`
	Review  int    `json:"review"`
	// RuledOut is how many patients this criterion is the first to rule out.
	RuledOut int `json:"ruled_out"`
	// Remaining is how many are not ruled out by this criterion or any before it.
	Remaining int `json:"remaining"`
	// Clear is how many have this criterion and every one before it decided
	// in their favour or left to a person (none unknown, none ruling out).
	Clear int `json:"clear"`
}

// Trials returns every trial's summary, in the model's order.
func (rm *ReadModel) Trials() []TrialSummary {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	out := make([]TrialSummary, 0, len(rm.trials))
	for _, tv := range rm.trials {
		out = append(out, tv.summary())
	}
	return out
}

// Trial returns one trial's summary.
func (rm *ReadModel) Trial(id string) (TrialSummary, error) {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	tv := rm.byID[id]
	if tv == nil {
		return TrialSummary{}, ErrUnknownTrial
	}
	return tv.summary(), nil
}

func (tv *trialView) summary() TrialSummary {
	s := TrialSummary{ID: tv.def.ID, Title: tv.def.Title, Total: tv.total, Counts: tv.countsCopy()}
	remaining, clearN := tv.total, tv.total
	for i, c := range tv.def.Criteria {
		f := tv.funnel[i]
		remaining -= tv.outAt[i]
		clearN -= tv.stallAt[i]
		s.Funnel = append(s.Funnel, FunnelStep{ID: c.ID, Kind: c.Kind, Text: c.Text,
			Met: f[0], NotMet: f[1], Unknown: f[2], Review: f[3],
			RuledOut: tv.outAt[i], Remaining: remaining, Clear: clearN})
	}
	return s
}

func (tv *trialView) countsCopy() map[evaluator.Status]int {
	m := make(map[evaluator.Status]int, len(Statuses))
	for _, s := range Statuses {
		m[s] = tv.counts[s]
	}
	return m
}

// WorklistQuery selects a page of a trial's worklist.
type WorklistQuery struct {
	Status   evaluator.Status // empty: every status, eligible first
	Query    string           // part of a patient id, any case
	Page     int              // from 1
	PageSize int              // default DefaultPageSize, at most MaxPageSize
}

// Page sizes of a worklist.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Worklist is one page of a trial's patients.
type Worklist struct {
	Trial    string                   `json:"trial"`
	Title    string                   `json:"title"`
	Counts   map[evaluator.Status]int `json:"counts"`
	Status   evaluator.Status         `json:"status,omitempty"`
	Query    string                   `json:"q,omitempty"`
	Page     int                      `json:"page"`
	PageSize int                      `json:"page_size"`
	Total    int                      `json:"total"` // rows matching, over all pages
	Pages    int                      `json:"pages"`
	Rows     []Row                    `json:"rows"`
}

// Row is a patient in a worklist, with what keeps them from the next status.
type Row struct {
	Patient    string           `json:"patient"`
	Status     evaluator.Status `json:"status"`
	AsOf       time.Time        `json:"as_of"`
	ValidUntil *time.Time       `json:"valid_until,omitempty"`
	// Open: criteria left to a person (candidates: the decisions still open).
	Open []OpenCriterion `json:"open,omitempty"`
	// Unknowns and Obtain: incomplete patients, what to obtain to decide them.
	Unknowns int      `json:"unknowns,omitempty"`
	Obtain   []string `json:"obtain,omitempty"`
	// RuledOutBy: ineligible patients, the first criterion ruling them out.
	RuledOutBy *evaluator.CriterionResult `json:"ruled_out_by,omitempty"`
}

// OpenCriterion is a criterion waiting for a person.
type OpenCriterion struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Worklist returns a page of a trial's patients: eligible (by id), candidates
// (fewest open decisions first), incomplete (fewest unknowns first),
// ineligible (by the position of the criterion ruling them out).
func (rm *ReadModel) Worklist(trial string, q WorklistQuery) (Worklist, error) {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	tv := rm.byID[trial]
	if tv == nil {
		return Worklist{}, ErrUnknownTrial
	}
	q = q.normalised()
	w := Worklist{Trial: tv.def.ID, Title: tv.def.Title, Counts: tv.countsCopy(), Status: q.Status,
		Query: q.Query, Page: q.Page, PageSize: q.PageSize, Rows: []Row{}}
	from, to := (q.Page-1)*q.PageSize, q.Page*q.PageSize
	needle := strings.ToLower(q.Query)
	for _, s := range Statuses {
		if q.Status != "" && s != q.Status {
			continue
		}
		ids := tv.sorted(s)
		if needle != "" {
			ids = matching(ids, tv.members[s], needle)
		}
		lo := min(max(from-w.Total, 0), len(ids))
		hi := min(max(to-w.Total, lo), len(ids))
		for _, id := range ids[lo:hi] {
			w.Rows = append(w.Rows, tv.row(tv.members[s][id]))
		}
		w.Total += len(ids)
	}
	w.Pages = max(1, (w.Total+q.PageSize-1)/q.PageSize)
	return w, nil
}

// matching keeps the ids whose patient id contains needle (lower case).
func matching(ids []string, members map[string]*entry, needle string) []string {
	var out []string
	for _, id := range ids {
		if e := members[id]; e != nil && strings.Contains(e.lower, needle) {
			out = append(out, id)
		}
	}
	return out
}

func (q WorklistQuery) normalised() WorklistQuery {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	q.PageSize = min(q.PageSize, MaxPageSize)
	q.Query = strings.TrimSpace(q.Query)
	return q
}

func (tv *trialView) row(e *entry) Row {
	r := Row{Patient: e.patient, Status: e.status, AsOf: e.ev.AsOf, ValidUntil: copyTime(e.ev.ValidUntil)}
	switch e.status {
	case evaluator.Candidate, Eligible:
		r.Open = tv.openCriteria(e)
	case evaluator.Incomplete:
		r.Unknowns, r.Obtain = e.unknowns, slices.Clone(e.obtain)
	case evaluator.Ineligible:
		if c := e.ruledOutBy(); c != nil {
			out := *c
			out.Evidence = slices.Clone(c.Evidence)
			r.RuledOutBy = &out
		}
	}
	return r
}

func (tv *trialView) openCriteria(e *entry) []OpenCriterion {
	var out []OpenCriterion
	for _, id := range e.open {
		text := ""
		if i, ok := tv.index[id]; ok {
			text = tv.def.Criteria[i].Text
		}
		out = append(out, OpenCriterion{ID: id, Text: text})
	}
	return out
}

// Unlock is what incomplete patients of a trial lack, most useful first.
type Unlock struct {
	Trial      string `json:"trial"`
	Title      string `json:"title"`
	Incomplete int    `json:"incomplete"`
	// Items: each missing fact, with how many incomplete patients lack only
	// it (they are decided once it arrives) and how many lack it at all.
	Items []UnlockItem `json:"items"`
	// Sets: the combinations patients lack exactly, most common first.
	Sets []UnlockSet `json:"sets"`
}

// setCount is a combination of missing facts as the read model keys it.
type setCount struct {
	key     string
	n, size int
}

// UnlockItem is one missing fact.
type UnlockItem struct {
	Obtain string `json:"obtain"`
	Only   int    `json:"only"`
	Blocks int    `json:"blocks"`
}

// UnlockSet is a combination of missing facts and how many patients lack exactly it.
type UnlockSet struct {
	Missing  []string `json:"missing"`
	Patients int      `json:"patients"`
}

// Unlock returns what would unlock the most incomplete patients of a trial;
// limit bounds Items and Sets (0: no bound).
func (rm *ReadModel) Unlock(trial string, limit int) (Unlock, error) {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	tv := rm.byID[trial]
	if tv == nil {
		return Unlock{}, ErrUnknownTrial
	}
	u := Unlock{Trial: tv.def.ID, Title: tv.def.Title, Incomplete: tv.counts[evaluator.Incomplete],
		Items: make([]UnlockItem, 0, len(tv.missing)), Sets: []UnlockSet{}}
	for item, n := range tv.missing {
		u.Items = append(u.Items, UnlockItem{Obtain: item, Only: tv.sets[item], Blocks: n})
	}
	slices.SortFunc(u.Items, func(a, b UnlockItem) int {
		return cmp.Or(cmp.Compare(b.Only, a.Only), cmp.Compare(b.Blocks, a.Blocks), cmp.Compare(a.Obtain, b.Obtain))
	})
	sets := make([]setCount, 0, len(tv.sets))
	for key, n := range tv.sets {
		sets = append(sets, setCount{key: key, n: n, size: strings.Count(key, "\x1f") + 1})
	}
	slices.SortFunc(sets, func(a, b setCount) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.size, b.size), cmp.Compare(a.key, b.key))
	})
	if limit > 0 {
		u.Items = u.Items[:min(limit, len(u.Items))]
		sets = sets[:min(limit, len(sets))]
	}
	for _, s := range sets {
		u.Sets = append(u.Sets, UnlockSet{Missing: strings.Split(s.key, "\x1f"), Patients: s.n})
	}
	return u, nil
}

// PatientView is everything the workspace shows of one patient.
type PatientView struct {
	Patient string         `json:"patient"`
	Trials  []PatientTrial `json:"trials"`
	// History: the latest status changes, newest first.
	History []Transition `json:"history"`
	// Sent: decisions sent from this workspace, newest first. Each shows in
	// the evaluation once the worker has applied it.
	Sent []Decision `json:"sent"`
}

// PatientTrial is a patient's evaluation for one trial, every criterion in
// protocol order with its text.
type PatientTrial struct {
	Trial      string           `json:"trial"`
	Title      string           `json:"title"`
	Status     evaluator.Status `json:"status"`
	AsOf       time.Time        `json:"as_of"`
	ValidUntil *time.Time       `json:"valid_until,omitempty"`
	Obtain     []string         `json:"obtain,omitempty"`
	Criteria   []CriterionView  `json:"criteria"`
}

// CriterionView is a criterion's result with its protocol text.
type CriterionView struct {
	ID       string           `json:"id"`
	Kind     string           `json:"kind"`
	Text     string           `json:"text"`
	Result   evaluator.Result `json:"result"`
	Reason   string           `json:"reason"`
	Evidence []string         `json:"evidence"`
	// Automated is false for a criterion only a person decides.
	Automated bool `json:"automated"`
	// InFavour / RulesOut: the result favours the patient / rules them out.
	InFavour bool     `json:"in_favour"`
	RulesOut bool     `json:"rules_out"`
	Obtain   []string `json:"obtain,omitempty"`
}

// Patient returns a patient's view; false when the model holds nothing of them.
func (rm *ReadModel) Patient(id string) (PatientView, bool) {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	pe := rm.patients[id]
	if pe == nil {
		return PatientView{}, false
	}
	v := PatientView{Patient: id, Trials: []PatientTrial{}, History: make([]Transition, 0, len(pe.history)),
		Sent: make([]Decision, 0, len(pe.sent))}
	for _, tv := range rm.trials {
		if e := pe.byTrial[tv.def.ID]; e != nil {
			v.Trials = append(v.Trials, patientTrial(tv, e))
		}
	}
	for _, trial := range pe.order {
		if rm.byID[trial] == nil {
			v.Trials = append(v.Trials, patientTrial(nil, pe.byTrial[trial]))
		}
	}
	for i := len(pe.history) - 1; i >= 0; i-- {
		v.History = append(v.History, pe.history[i])
	}
	for i := len(pe.sent) - 1; i >= 0; i-- {
		v.Sent = append(v.Sent, pe.sent[i])
	}
	return v, true
}

func patientTrial(tv *trialView, e *entry) PatientTrial {
	pt := PatientTrial{Trial: e.ev.Trial, Title: e.ev.Trial, Status: e.status, AsOf: e.ev.AsOf,
		ValidUntil: copyTime(e.ev.ValidUntil), Obtain: slices.Clone(e.obtain), Criteria: make([]CriterionView, 0, len(e.ev.Criteria))}
	if tv != nil && tv.def.Title != "" {
		pt.Title = tv.def.Title
	}
	for _, c := range e.ev.Criteria {
		cv := CriterionView{ID: c.ID, Kind: c.Kind, Result: c.Result, Reason: c.Reason, Evidence: slices.Clone(c.Evidence),
			Automated: true, InFavour: inFavour(c.Kind, c.Result), RulesOut: against(c.Kind, c.Result)}
		if cv.Evidence == nil {
			cv.Evidence = []string{}
		}
		if tv != nil {
			if i, ok := tv.index[c.ID]; ok {
				def := tv.def.Criteria[i]
				cv.Text, cv.Automated = def.Text, def.Review == ""
			}
			if c.Result == evaluator.Unknown {
				cv.Obtain = slices.Clone(tv.obtain.Items(c.ID, c.Reason))
			}
		}
		pt.Criteria = append(pt.Criteria, cv)
	}
	return pt
}

// Search returns up to limit patient ids containing q (any case), sorted.
func (rm *ReadModel) Search(q string, limit int) []string {
	needle := strings.ToLower(strings.TrimSpace(q))
	if needle == "" {
		return nil
	}
	rm.mu.RLock()
	var out []string
	for _, pe := range rm.patients {
		if strings.Contains(pe.lower, needle) {
			out = append(out, pe.id)
		}
	}
	rm.mu.RUnlock()
	slices.Sort(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// criterion returns a trial's criterion definition.
func (rm *ReadModel) criterion(trial, id string) (evaluator.Criterion, bool) {
	tv := rm.byID[trial] // byID is fixed after NewReadModel
	if tv == nil {
		return evaluator.Criterion{}, false
	}
	i, ok := tv.index[id]
	if !ok {
		return evaluator.Criterion{}, false
	}
	return tv.def.Criteria[i], true
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
