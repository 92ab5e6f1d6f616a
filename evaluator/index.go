package evaluator

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// index is what a trial's evaluations read of one patient's facts, filed by
// concept slot and in reference order. It is kept with the patient between
// evaluations (facts.Patient.TakeDerived) and brought up to date with the
// facts changed since, so that an evaluation costs in proportion to what
// changed, not to the patient's history. One Evaluate holds it at a time.
type index struct {
	// obs holds, for the evaluation in hand, the usable observations of each
	// slot that can be read at its asOf or later (see at); timed holds them
	// all, by effective time. Readers take obs as in no order.
	obs   [][]*facts.Observation
	timed [][]*facts.Observation
	// obsRead is what the trial makes of each filed observation (component
	// views included), and obsFiled what each reference filed where.
	obsRead  map[*facts.Observation]obsReading
	obsFiled map[string][]read[*facts.Observation]
	// conditions holds the present Conditions by slot, in reference order;
	// condFiled the slots each reference is filed under.
	conditions [][]*facts.Condition
	condFiled  map[string]slots
	// The other histories are all the patient's, each in reference order
	// with what the trial makes of them.
	procedures []read[*facts.Procedure]
	immunized  []read[*facts.Immunization]
	allergies  []read[*facts.Allergy]
	encounters []read[*facts.Encounter]
	meds       []read[*facts.Medication]
	ingredient map[*facts.Medication][]string
	// placed is meds placed in time by ingredient; nil until asked for
	// after a change of meds (placedMeds).
	placed *medsInTime
	// decided holds the people's decisions on the trial's criteria, for the
	// evaluation in hand.
	decided map[string]*facts.Decision
	// building is set while the index is filled from the whole store: lists
	// are appended to and sorted once at the end.
	building bool
	// kept is set for an index kept with the patient: only it needs to know
	// what it filed where (obsFiled, condFiled).
	kept bool
}

// keptIndexFrom is how many facts a patient needs for its index to be kept
// with it between evaluations. Building the index of a smaller store costs
// little (well under a tenth of a millisecond), and a worker caching many
// such patients would hold an index for each.
var keptIndexFrom = 128

// minRebuild is how many changed facts always justify catching up rather
// than building anew; past a quarter of the store, building is cheaper.
const minRebuild = 64

// indexOf takes the patient's index for p, brought up to date, or builds
// it. The caller gives it back with p.keepIndex.
func (p *Program) indexOf(pt *facts.Patient) *index {
	v, changed, ok := pt.TakeDerived(p)
	ix, _ := v.(*index)
	if !ok || ix == nil || len(changed) > max(minRebuild, pt.Size()/4) {
		return p.buildIndex(pt, pt.Size() >= keptIndexFrom)
	}
	for _, ref := range changed {
		ix.unfile(ref)
		ix.file(p, pt, ref)
	}
	return ix
}

// keepIndex leaves ix with the patient for its next evaluation, when the
// patient's history is long enough for that to pay.
func (p *Program) keepIndex(pt *facts.Patient, ix *index) {
	if ix.kept && pt.Size() >= keptIndexFrom {
		pt.PutDerived(p, ix)
	}
}

// buildIndex files every fact; kept says whether the index is to be kept
// with the patient.
func (p *Program) buildIndex(pt *facts.Patient, kept bool) *index {
	ix := &index{
		obs:        make([][]*facts.Observation, len(p.slots)),
		timed:      make([][]*facts.Observation, len(p.slots)),
		obsRead:    map[*facts.Observation]obsReading{},
		conditions: make([][]*facts.Condition, len(p.slots)),
		ingredient: map[*facts.Medication][]string{},
		building:   true,
		kept:       kept,
	}
	if kept {
		ix.obsFiled, ix.condFiled = map[string][]read[*facts.Observation]{}, map[string]slots{}
	}
	for _, o := range pt.Observations {
		ix.fileObservation(p, pt, o)
	}
	for _, c := range pt.Conditions {
		ix.fileCondition(p, pt, c)
	}
	for _, x := range pt.Procedures {
		ix.fileProcedure(p, pt, x)
	}
	for _, x := range pt.Immunizations {
		ix.fileImmunization(p, pt, x)
	}
	for _, x := range pt.Allergies {
		ix.fileAllergy(p, pt, x)
	}
	for _, x := range pt.Encounters {
		ix.fileEncounter(p, pt, x)
	}
	for _, x := range pt.Medications {
		ix.fileMedication(p, pt, x)
	}
	ix.sortAll()
	return ix
}

// file files the fact pt holds under ref, if any.
func (ix *index) file(p *Program, pt *facts.Patient, ref string) {
	if o := pt.Observations[ref]; o != nil {
		ix.fileObservation(p, pt, o)
	}
	if c := pt.Conditions[ref]; c != nil {
		ix.fileCondition(p, pt, c)
	}
	if x := pt.Procedures[ref]; x != nil {
		ix.fileProcedure(p, pt, x)
	}
	if x := pt.Immunizations[ref]; x != nil {
		ix.fileImmunization(p, pt, x)
	}
	if x := pt.Allergies[ref]; x != nil {
		ix.fileAllergy(p, pt, x)
	}
	if x := pt.Encounters[ref]; x != nil {
		ix.fileEncounter(p, pt, x)
	}
	if x := pt.Medications[ref]; x != nil {
		ix.fileMedication(p, pt, x)
	}
}

// unfile takes out whatever ref was filed as.
func (ix *index) unfile(ref string) {
	for _, r := range ix.obsFiled[ref] {
		delete(ix.obsRead, r.fact)
		for _, slot := range r.slots {
			ix.timed[slot] = removeTimed(ix.timed[slot], r.fact)
		}
	}
	delete(ix.obsFiled, ref)
	for _, slot := range ix.condFiled[ref] {
		ix.conditions[slot] = removeCondition(ix.conditions[slot], ref)
	}
	delete(ix.condFiled, ref)
	ix.procedures, _ = unfileRead(ix.procedures, ref)
	ix.immunized, _ = unfileRead(ix.immunized, ref)
	ix.allergies, _ = unfileRead(ix.allergies, ref)
	ix.encounters, _ = unfileRead(ix.encounters, ref)
	var med read[*facts.Medication]
	if ix.meds, med = unfileRead(ix.meds, ref); med.fact != nil {
		delete(ix.ingredient, med.fact)
		ix.placed = nil
	}
}

// fileObservation files a usable observation under its code's concepts,
// and the components that mean a concept as observations of their own
// (componentView).
func (ix *index) fileObservation(p *Program, pt *facts.Patient, o *facts.Observation) {
	if !usable(o.Status) || o.Effective.IsZero() {
		return
	}
	r := p.readObservation(pt, o)
	if len(r.code) == 0 && len(r.views) == 0 {
		return
	}
	ix.obsRead[o] = r
	for _, slot := range r.code {
		ix.timed[slot] = ix.insertTimed(ix.timed[slot], o)
	}
	for _, v := range r.views {
		ix.obsRead[v.fact] = obsReading{code: v.slots}
		for _, slot := range v.slots {
			ix.timed[slot] = ix.insertTimed(ix.timed[slot], v.fact)
		}
	}
	if ix.kept {
		filed := make([]read[*facts.Observation], 0, 1+len(r.views))
		ix.obsFiled[o.Ref] = append(append(filed, read[*facts.Observation]{o, r.code}), r.views...)
	}
}

func (ix *index) fileCondition(p *Program, pt *facts.Patient, c *facts.Condition) {
	if !present(c.Verification) {
		return
	}
	s := p.readCondition(pt, c)
	if len(s) == 0 {
		return
	}
	for _, slot := range s {
		if ix.building {
			ix.conditions[slot] = append(ix.conditions[slot], c)
		} else {
			i, _ := slices.BinarySearchFunc(ix.conditions[slot], c.Ref, compareConditionRef)
			ix.conditions[slot] = slices.Insert(ix.conditions[slot], i, c)
		}
	}
	if ix.kept {
		ix.condFiled[c.Ref] = s
	}
}

func (ix *index) fileProcedure(p *Program, pt *facts.Patient, x *facts.Procedure) {
	ix.procedures = fileRead(ix, ix.procedures, read[*facts.Procedure]{x, p.readProcedure(pt, x)}, false)
}

func (ix *index) fileImmunization(p *Program, pt *facts.Patient, x *facts.Immunization) {
	ix.immunized = fileRead(ix, ix.immunized, read[*facts.Immunization]{x, p.readImmunization(pt, x)}, false)
}

// fileAllergy lists every allergy: severity alone can decide a criterion.
func (ix *index) fileAllergy(p *Program, pt *facts.Patient, x *facts.Allergy) {
	ix.allergies = fileRead(ix, ix.allergies, read[*facts.Allergy]{x, p.readAllergy(pt, x)}, true)
}

// fileEncounter lists every encounter: a stay counts through the
// Conditions it names.
func (ix *index) fileEncounter(p *Program, pt *facts.Patient, x *facts.Encounter) {
	ix.encounters = fileRead(ix, ix.encounters, read[*facts.Encounter]{x, p.readEncounter(pt, x)}, true)
}

func (ix *index) fileMedication(p *Program, pt *facts.Patient, m *facts.Medication) {
	r := p.readMedication(pt, m)
	if len(r.concepts) == 0 {
		return
	}
	ix.ingredient[m] = r.ingredients
	ix.placed = nil
	ix.meds = fileRead(ix, ix.meds, read[*facts.Medication]{m, r.concepts}, false)
}

// sortAll orders what building appended.
func (ix *index) sortAll() {
	for _, list := range ix.timed {
		slices.SortFunc(list, compareEffective)
	}
	for _, list := range ix.conditions {
		slices.SortFunc(list, func(a, b *facts.Condition) int { return strings.Compare(a.Ref, b.Ref) })
	}
	sortReads(ix.procedures)
	sortReads(ix.immunized)
	sortReads(ix.allergies)
	sortReads(ix.encounters)
	sortReads(ix.meds)
	ix.building = false
}

// reachMargin keeps observations this much older than a window's start at
// asOf. A window's start moves forward with time, except that calendar
// spans step back by up to three days at month ends (6mo before Aug 31 is
// Mar 3, before Sep 1 is Mar 1), and a day in another time zone's
// calendar can be an hour longer.
const reachMargin = 7 * 24 * time.Hour

// at readies the index for an evaluation at asOf, whose passes run at asOf
// or later: each slot's observations older than its concept's reach (its
// window, or the longest span a rule reads it over) at asOf less
// reachMargin can never be read then, and are left out of obs, so that a
// long record of old results costs an evaluation nothing.
func (ix *index) at(p *Program, asOf time.Time) {
	for slot, list := range ix.timed {
		k := p.slots[slot]
		if k.reach == nil {
			ix.obs[slot] = list[:len(list):len(list)]
			continue
		}
		cut := k.reach.Before(asOf).Add(-reachMargin)
		i := sort.Search(len(list), func(i int) bool { return list[i].Effective.After(cut) })
		ix.obs[slot] = list[i:len(list):len(list)]
	}
}

func usable(status string) bool {
	return status == "final" || status == "amended" || status == "corrected"
}

func compareEffective(a, b *facts.Observation) int { return a.Effective.Compare(b.Effective) }

func compareConditionRef(c *facts.Condition, ref string) int { return strings.Compare(c.Ref, ref) }

// insertTimed files o after the observations of its effective time.
func (ix *index) insertTimed(list []*facts.Observation, o *facts.Observation) []*facts.Observation {
	if ix.building {
		return append(list, o)
	}
	i := sort.Search(len(list), func(i int) bool { return list[i].Effective.After(o.Effective) })
	return slices.Insert(list, i, o)
}

// removeTimed takes o out of a list ordered by effective time.
func removeTimed(list []*facts.Observation, o *facts.Observation) []*facts.Observation {
	i := sort.Search(len(list), func(i int) bool { return !list[i].Effective.Before(o.Effective) })
	for ; i < len(list) && list[i].Effective.Equal(o.Effective); i++ {
		if list[i] == o {
			return slices.Delete(list, i, i+1)
		}
	}
	return list
}

func removeCondition(list []*facts.Condition, ref string) []*facts.Condition {
	if i, ok := slices.BinarySearchFunc(list, ref, compareConditionRef); ok {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// fileRead files a record in ix's list in reference order with what the
// trial makes of it, unless the trial makes nothing of it and all is unset;
// while the index is being built, it appends, to be sorted once.
func fileRead[T interface{ Reference() string }](ix *index, list []read[T], x read[T], all bool) []read[T] {
	if !all && len(x.slots) == 0 {
		return list
	}
	if ix.building {
		return append(list, x)
	}
	i, _ := slices.BinarySearchFunc(list, x.fact.Reference(), compareReadRef[T])
	return slices.Insert(list, i, x)
}

// unfileRead takes ref's record out of a list in reference order, and
// returns it (zero when it was not there).
func unfileRead[T interface{ Reference() string }](list []read[T], ref string) ([]read[T], read[T]) {
	i, ok := slices.BinarySearchFunc(list, ref, compareReadRef[T])
	if !ok {
		return list, read[T]{}
	}
	x := list[i]
	return slices.Delete(list, i, i+1), x
}

func compareReadRef[T interface{ Reference() string }](x read[T], ref string) int {
	return strings.Compare(x.fact.Reference(), ref)
}

func sortReads[T interface{ Reference() string }](list []read[T]) {
	slices.SortFunc(list, func(a, b read[T]) int { return strings.Compare(a.fact.Reference(), b.fact.Reference()) })
}

// byNewest sorts observations newest first, as newer orders them.
func byNewest(a, b *facts.Observation) int {
	switch {
	case newer(a, b):
		return -1
	case newer(b, a):
		return 1
	}
	return 0
}

// newer orders observations for "latest": effective time, then the later
// meta.lastUpdated, then the larger id.
func newer(a, b *facts.Observation) bool {
	if !a.Effective.Equal(b.Effective) {
		return a.Effective.After(b.Effective)
	}
	if !a.LastUpdated.Equal(b.LastUpdated) {
		return a.LastUpdated.After(b.LastUpdated)
	}
	return a.Ref > b.Ref
}
