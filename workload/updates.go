package workload

import "time"

// updateRate is the share of resources the feed sends again later as a
// new version; messyRate in a messy feed (Config.Messy).
const (
	updateRate = 0.02
	messyRate  = 0.10
)

// rate is the share of resources sent again.
func (b *builder) rate() float64 {
	if b.messy {
		return messyRate
	}
	return updateRate
}

// updates queues a later version of n distinct resources already queued:
// a corrected result (status corrected, a new value), a retraction
// (entered-in-error), or the same content sent again. Each comes within
// three days of the first version, and before AsOf.
func (b *builder) updates(n int) {
	n = min(n, len(b.items))
	if n <= 0 {
		return
	}
	for _, i := range b.r.Perm(len(b.items))[:n] {
		v1 := b.items[i]
		if b.messy && b.messyUpdate(v1) {
			continue
		}
		b.items = append(b.items, b.nextVersion(v1, b.revise(v1.res)))
	}
}

// nextVersion is a later version of it with the given content, sent within
// three days of it and before AsOf.
func (b *builder) nextVersion(it *item, res resource) *item {
	room := min(72*time.Hour, b.day0.Sub(it.at)-time.Minute)
	at := it.at.Add(time.Minute + time.Duration(b.r.Int64N(int64(max(room, 1)))))
	return &item{at: at, seq: len(b.items), version: it.version + 1, relevant: it.relevant, res: res, noMeta: it.noMeta, patient: it.patient}
}

// messyUpdate queues one of the shapes a tidy feed never sends, when one
// suits the resource; it reports whether it did.
func (b *builder) messyUpdate(v1 *item) bool {
	switch u := b.r.Float64(); {
	case u < 0.3: // no meta at all, corrected twice: only arrival orders them
		v1.noMeta = true
		v2 := b.nextVersion(v1, b.revise(v1.res))
		b.items = append(b.items, v2)
		b.items = append(b.items, b.nextVersion(v2, b.revise(v2.res)))
		return true
	case u < 0.5: // the newest version is sent first
		v2 := b.nextVersion(v1, b.revise(v1.res))
		v2.sentAt = v1.at.Add(-time.Minute)
		b.items = append(b.items, v2)
		return true
	case u < 0.75: // a correction to a code no trial reads
		o, ok := v1.res.(*observation)
		if !ok {
			return false
		}
		c := *o
		c.Code = concept{Coding: []coding{{System: loinc, Code: "2339-0", Display: "Glucose [Mass/volume] in Blood"}}, Text: "Glucose"}
		v2 := b.nextVersion(v1, &c)
		v2.relevant = false
		b.items = append(b.items, v2)
		return true
	default: // filed under the wrong patient, then moved
		cd, ok := v1.res.(*condition)
		if !ok || b.patients < 2 {
			return false
		}
		other := patientID((b.index + 1) % b.patients)
		c := *cd
		c.Subject = reference{Reference: "Patient/" + other}
		v2 := b.nextVersion(v1, &c)
		v2.patient = "Patient/" + other
		b.items = append(b.items, v2)
		return true
	}
}

// revise returns the next version of a resource; the first version is
// left as it was.
func (b *builder) revise(res resource) resource {
	retract := b.r.chance(0.4)
	switch r := res.(type) {
	case *observation:
		c := *r
		if c.ValueQuantity != nil && c.spec != nil && b.r.chance(0.75) {
			q := *c.ValueQuantity
			q.Value = round(min(c.spec.max, max(c.spec.min, q.Value*b.r.between(0.85, 1.15))), c.spec.dec)
			c.ValueQuantity, c.Status, c.Interpretation = &q, "corrected", flagOf(c.spec, q.Value)
			return &c
		}
		c.Status = "entered-in-error"
		return &c
	case *condition:
		c := *r
		if retract {
			c.ClinicalStatus, c.VerificationStatus = nil, status(condVer, "entered-in-error")
		}
		return &c
	case *allergyIntolerance:
		c := *r
		if retract {
			c.ClinicalStatus, c.VerificationStatus = nil, *status(allergyVer, "entered-in-error")
		}
		return &c
	case *medicationStatement:
		c := *r
		c.Status = retracted(retract, c.Status)
		return &c
	case *medicationRequest:
		c := *r
		c.Status = retracted(retract, c.Status)
		return &c
	case *immunization:
		c := *r
		c.Status = retracted(retract, c.Status)
		return &c
	case *procedure:
		c := *r
		c.Status = retracted(retract, c.Status)
		return &c
	case *encounter:
		c := *r
		c.Status = retracted(retract, c.Status)
		return &c
	}
	return res
}

func retracted(retract bool, status string) string {
	if retract {
		return "entered-in-error"
	}
	return status
}
