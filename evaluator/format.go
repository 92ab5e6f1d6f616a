package evaluator

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// num formats a value for a reason: at most three decimals, no trailing zeros.
func num(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// round3 rounds to three decimals so that unit conversions print cleanly.
func round3(v float64) float64 {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

// day formats an instant as its date, or date and time when it has one.
// Reasons name many instants, so the usual years are written by hand
// rather than through time.Format's layout interpreter.
func day(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	midnight := h == 0 && mi == 0 && s == 0
	if y < 0 || y > 9999 {
		if midnight {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02T15:04Z")
	}
	var buf [len("2006-01-02T15:04Z")]byte
	b := appendDigits(buf[:0], y, 4)
	b = appendDigits(append(b, '-'), int(mo), 2)
	b = appendDigits(append(b, '-'), d, 2)
	if !midnight {
		b = appendDigits(append(b, 'T'), h, 2)
		b = appendDigits(append(b, ':'), mi, 2)
		b = append(b, 'Z')
	}
	return string(b)
}

// appendDigits writes a non-negative n zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	start := len(b)
	for range width {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

func joinReasons(rs []string) string { return strings.Join(rs, "; ") }

// Unit conversions and products such as 1.5 x 1.2 carry floating-point
// noise; thresholds are compared with a tolerance far below any lab's
// precision, so that a value exactly at a threshold counts as at it.
const tolerance = 1e-9

func approxEqual(a, b float64) bool {
	scale := math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
	return math.Abs(a-b) <= tolerance*scale
}

func atLeast(v, x float64) bool { return v > x || approxEqual(v, x) }
func atMost(v, x float64) bool  { return v < x || approxEqual(v, x) }
func above(v, x float64) bool   { return !atMost(v, x) }
func below(v, x float64) bool   { return !atLeast(v, x) }
