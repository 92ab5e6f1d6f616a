package evaluator

import (
	"strconv"
	"time"
)

func init() {
	register(
		&function{name: "age_between", args: []argKind{argNumber, argNumber},
			doc:  "age in whole years at now is within min..max inclusive",
			impl: func(c *evalContext, a args) tri { return c.ageBetween(int(a.num(0)), int(a.num(1))) }},
		&function{name: "age_at_least", args: []argKind{argNumber},
			doc:  "age in whole years at now is at least the number (no upper limit)",
			impl: func(c *evalContext, a args) tri { return c.ageBetween(int(a.num(0)), noLimit) }},
		&function{name: "age_at_most", args: []argKind{argNumber},
			doc:  "age in whole years at now is at most the number",
			impl: func(c *evalContext, a args) tri { return c.ageBetween(-noLimit, int(a.num(0))) }},
		&function{name: "sex_is", args: []argKind{argSex},
			doc:  `Patient.gender is "female" or "male" as written; false for the other one or for other; unknown when absent or unknown`,
			impl: func(c *evalContext, a args) tri { return c.sexIs(a.str(0)) }},
	)
}

// noLimit stands for an open end of an age range.
const noLimit = 1 << 20

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
	} else if a <= max && max < noLimit {
		c.changesAt(birth.AddDate(max+1, 0, 0))
	}
	return c.recordBy(triOf(a >= min && a <= max), func() string {
		return "age " + strconv.Itoa(a) + " at " + day(c.asOf) + " " + ageVerdict(a, min, max)
	}, ref)
}

// ageVerdict words an age against a range with either end open.
func ageVerdict(a, min, max int) string {
	switch {
	case max >= noLimit && a >= min:
		return ">= " + strconv.Itoa(min)
	case max >= noLimit:
		return "< " + strconv.Itoa(min)
	case min <= -noLimit && a <= max:
		return "<= " + strconv.Itoa(max)
	case min <= -noLimit:
		return "> " + strconv.Itoa(max)
	case a >= min && a <= max:
		return "is within " + strconv.Itoa(min) + "-" + strconv.Itoa(max)
	}
	return "is outside " + strconv.Itoa(min) + "-" + strconv.Itoa(max)
}

// sexIs reads Patient.gender: "female" and "male" answer as written;
// "other" is neither (false for both); absent or "unknown" is unknown.
func (c *evalContext) sexIs(want string) tri {
	d := c.p.Demographics
	if d == nil || d.Gender == "" || d.Gender == "unknown" {
		return c.record(unknown, "sex not recorded")
	}
	if d.Gender == want {
		return c.record(yes, "sex "+d.Gender, d.Ref)
	}
	return c.record(no, "sex "+d.Gender+", not "+want, d.Ref)
}
