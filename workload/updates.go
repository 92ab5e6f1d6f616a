package workload

import "time"

// updateRate is the share of resources the feed sends again later as a
// new version.
const updateRate = 0.02

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
		room := min(72*time.Hour, b.day0.Sub(v1.at)-time.Minute)
		at := v1.at.Add(time.Minute + time.Duration(b.r.Int64N(int64(room))))
		b.items = append(b.items, &item{
			at: at, seq: len(b.items), version: v1.version + 1, relevant: v1.relevant, res: b.revise(v1.res),
		})
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
