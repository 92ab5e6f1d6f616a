package workspace

import (
	"cmp"
	"slices"
	"sync"

	"github.com/trialscout/trialscout/evaluator"
)

// resultSlot orders the four results in the funnel's columns.
var resultSlot = map[evaluator.Result]int{evaluator.Met: 0, evaluator.NotMet: 1, evaluator.Unknown: 2, evaluator.Review: 3}

// trialView holds one trial's aggregates, maintained incrementally, and its
// worklists, sorted when asked for and cached until they change.
type trialView struct {
	def    evaluator.Trial
	index  map[string]int // criterion id -> protocol position
	obtain *obtainer

	total   int
	counts  map[evaluator.Status]int
	funnel  [][4]int       // per criterion: met, not_met, unknown, review
	outAt   []int          // patients first ruled out at each position
	stallAt []int          // patients whose first criterion not in favour (nor review) is at each position
	missing map[string]int // what incomplete patients lack -> how many lack it
	sets    map[string]int // exactly what an incomplete patient lacks (setKey) -> how many

	members  map[evaluator.Status]map[string]*entry
	versions map[evaluator.Status]uint64

	cacheMu sync.Mutex
	cache   map[evaluator.Status]sortedIDs
}

// sortedIDs is a status's worklist order at a version of its members.
type sortedIDs struct {
	version uint64
	ids     []string
}

func newTrialView(t evaluator.Trial) *trialView {
	n := len(t.Criteria)
	tv := &trialView{
		def: t, index: make(map[string]int, n), obtain: newObtainer(t),
		counts: map[evaluator.Status]int{}, funnel: make([][4]int, n), outAt: make([]int, n), stallAt: make([]int, n),
		missing: map[string]int{}, sets: map[string]int{},
		members: map[evaluator.Status]map[string]*entry{}, versions: map[evaluator.Status]uint64{},
		cache: map[evaluator.Status]sortedIDs{},
	}
	for i, c := range t.Criteria {
		tv.index[c.ID] = i
	}
	return tv
}

// replace takes old's contribution out and adds e's; either may be nil. A
// worklist's cached order is dropped only when membership or the sort key
// changes, not when an evaluation is merely refreshed. Callers hold the read
// model's write lock. A nil view (a trial the model does not know) does nothing.
func (tv *trialView) replace(old, e *entry) {
	if tv == nil {
		return
	}
	if old != nil {
		tv.account(old, -1)
		delete(tv.members[old.status], old.patient)
	}
	if e != nil {
		tv.account(e, 1)
		m := tv.members[e.status]
		if m == nil {
			m = map[string]*entry{}
			tv.members[e.status] = m
		}
		m[e.patient] = e
	}
	switch {
	case old == nil:
		tv.versions[e.status]++
	case e == nil:
		tv.versions[old.status]++
	case old.status != e.status:
		tv.versions[old.status]++
		tv.versions[e.status]++
	case old.sortKey() != e.sortKey():
		tv.versions[e.status]++
	}
}

// account adds (sign 1) or subtracts (-1) an entry's counts.
func (tv *trialView) account(e *entry, sign int) {
	tv.total += sign
	tv.counts[e.status] += sign
	for _, r := range e.results {
		if slot, ok := resultSlot[r.result]; ok {
			tv.funnel[r.pos][slot] += sign
		}
	}
	if e.out >= 0 {
		tv.outAt[e.out] += sign
	}
	if e.stall >= 0 {
		tv.stallAt[e.stall] += sign
	}
	if e.status != evaluator.Incomplete || len(e.obtain) == 0 {
		return
	}
	for _, item := range e.obtain {
		bump(tv.missing, item, sign)
	}
	bump(tv.sets, e.setKey, sign)
}

func bump(m map[string]int, k string, sign int) {
	if m[k] += sign; m[k] <= 0 {
		delete(m, k)
	}
}

// sorted returns a status's patients in worklist order. Callers hold the
// read model's read lock; the order is cached until the status's version moves.
func (tv *trialView) sorted(s evaluator.Status) []string {
	tv.cacheMu.Lock()
	defer tv.cacheMu.Unlock()
	v := tv.versions[s]
	if c, ok := tv.cache[s]; ok && c.version == v {
		return c.ids
	}
	members := tv.members[s]
	list := make([]*entry, 0, len(members))
	for _, e := range members {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.sortKey(), b.sortKey()), cmp.Compare(a.patient, b.patient))
	})
	ids := make([]string, len(list))
	for i, e := range list {
		ids[i] = e.patient
	}
	tv.cache[s] = sortedIDs{version: v, ids: ids}
	return ids
}
