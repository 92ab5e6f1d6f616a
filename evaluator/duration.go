package evaluator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is a length of time as trials write it: "28d", "6mo", "2y", "60min",
// or one of the words "ever" (no limit) and "now" (the instant of the
// evaluation itself). Months and years are calendar units, so "6mo" before
// 2026-11-01 is 2026-05-01, as the protocol means it.
type Span struct {
	N    int
	Unit string // min, h, d, wk, mo, y; or ever, now (N is 0)
	text string
}

var spanUnits = []string{"min", "mo", "wk", "h", "d", "y"}

// The words a span may be instead of a number and a unit.
const (
	spanEver = "ever"
	spanNow  = "now"
)

// ParseSpan reads a Span.
func ParseSpan(s string) (Span, error) {
	t := strings.TrimSpace(s)
	if t == spanEver || t == spanNow {
		return Span{Unit: t, text: t}, nil
	}
	for _, u := range spanUnits {
		num, ok := strings.CutSuffix(t, u)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n < 0 {
			break
		}
		return Span{N: n, Unit: u, text: t}, nil
	}
	return Span{}, fmt.Errorf("duration %q: want a whole number and one of min, h, d, wk, mo, y (e.g. 28d, 6mo), or ever, or now", s)
}

// Ever reports whether the span has no limit.
func (s Span) Ever() bool { return s.Unit == spanEver }

// farPast and farFuture stand for the limits of "ever": before and after
// any date a record can carry. No answer changes at farFuture (changesAt).
var (
	farPast   = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Before returns t minus the span. "now" is the instant t alone: the
// window (t - now, t] holds t and nothing earlier.
func (s Span) Before(t time.Time) time.Time {
	switch s.Unit {
	case spanEver:
		return farPast
	case spanNow:
		return t.Add(-time.Nanosecond)
	}
	return s.add(t, -1)
}

// After returns t plus the span.
func (s Span) After(t time.Time) time.Time {
	switch s.Unit {
	case spanEver:
		return farFuture
	case spanNow:
		return t.Add(time.Nanosecond)
	}
	return s.add(t, 1)
}

func (s Span) add(t time.Time, sign int) time.Time {
	n := sign * s.N
	switch s.Unit {
	case "min":
		return t.Add(time.Duration(n) * time.Minute)
	case "h":
		return t.Add(time.Duration(n) * time.Hour)
	case "d":
		return t.AddDate(0, 0, n)
	case "wk":
		return t.AddDate(0, 0, 7*n)
	case "mo":
		return t.AddDate(0, n, 0)
	}
	return t.AddDate(n, 0, 0)
}

var spanNames = map[string]string{"min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "y": "year"}

// String returns the span as written, e.g. "28 days", "ever", "now".
func (s Span) String() string {
	if s.Unit == spanEver || s.Unit == spanNow {
		return s.Unit
	}
	name := spanNames[s.Unit]
	if s.N != 1 {
		name += "s"
	}
	return strconv.Itoa(s.N) + " " + name
}

// upTo says where in time a reason looks: "in the 28 days up to
// 2026-11-01", "up to 2026-11-01" (ever), "at 2026-11-01" (now).
func (s Span) upTo(t time.Time) string {
	switch s.Unit {
	case spanEver:
		return "up to " + day(t)
	case spanNow:
		return "at " + day(t)
	}
	return "in the " + s.String() + " up to " + day(t)
}

// epoch is a fixed instant for comparing spans of calendar units.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
