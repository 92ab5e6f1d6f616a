package evaluator

import (
	"strconv"
	"time"
)

func init() {
	register(&function{name: "age_between", args: []argKind{argNumber, argNumber},
		doc:  "age in whole years at now is within min..max inclusive",
		impl: func(c *evalContext, a args) tri { return c.ageBetween(int(a.num(0)), int(a.num(1))) }})
}

// age is the whole years between birth and t's UTC date.
func age(birth, t time.Time) int {
	t = t.UTC()
	y := t.Year() - birth.Year()
	if t.Month() < birth.Month() || (t.Month() == birth.Month() && t.Day() < birth.Day()) {
		y--
	}
	return y
}

func (c *evalContext) birthDate() (time.Time, string, bool) {
	d := c.p.Demographics
	if d == nil || d.BirthDate.IsZero() {
		return time.Time{}, "", false
	}
	return d.BirthDate, d.Ref, true
}

func (c *evalContext) ageBetween(min, max int) tri {
	birth, ref, ok := c.birthDate()
	if !ok {
		return c.record(unknown, "no birth date on record")
	}
	a := age(birth, c.asOf)
	// The answer changes on the birthday that crosses a bound.
	if a < min {
		c.changesAt(birth.AddDate(min, 0, 0))
	} else if a <= max {
		c.changesAt(birth.AddDate(max+1, 0, 0))
	}
	in := a >= min && a <= max
	verb := "is within"
	if !in {
		verb = "is outside"
	}
	return c.recordBy(triOf(in), func() string {
		return "age " + strconv.Itoa(a) + " at " + day(c.asOf) + " " + verb + " " + strconv.Itoa(min) + "-" + strconv.Itoa(max)
	}, ref)
}
