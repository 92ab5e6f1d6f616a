package evaluator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is a length of time as trials write it: "28d", "6mo", "2y", "60min".
// Months and years are calendar units, so "6mo" before 2026-11-01 is
// 2026-05-01, as the protocol means it.
type Span struct {
	N    int
	Unit string // min, h, d, wk, mo, y
	text string
}

var spanUnits = []string{"min", "mo", "wk", "h", "d", "y"}

// ParseSpan reads a Span.
func ParseSpan(s string) (Span, error) {
	t := strings.TrimSpace(s)
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
	return Span{}, fmt.Errorf("duration %q: want a whole number and one of min, h, d, wk, mo, y (e.g. 28d, 6mo)", s)
}

// Before returns t minus the span.
func (s Span) Before(t time.Time) time.Time { return s.add(t, -1) }

// After returns t plus the span.
func (s Span) After(t time.Time) time.Time { return s.add(t, 1) }

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

// String returns the span as written, e.g. "28 days".
func (s Span) String() string {
	name := spanNames[s.Unit]
	if s.N != 1 {
		name += "s"
	}
	return strconv.Itoa(s.N) + " " + name
}

// epoch is a fixed instant for comparing spans of calendar units.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
