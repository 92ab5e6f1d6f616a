package evaluator

import (
	"testing"
	"time"
)

// TestDayMatchesFormat: day writes dates by hand for speed; it must read
// exactly as time.Format did, whatever the zone, the nanoseconds or the year.
func TestDayMatchesFormat(t *testing.T) {
	east := time.FixedZone("east", 14*3600)
	instants := []time.Time{
		time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 1, 0, 0, 0, 999, time.UTC),
		time.Date(2026, 10, 26, 9, 5, 0, 0, time.UTC),
		time.Date(2026, 10, 26, 0, 0, 1, 0, time.UTC),
		time.Date(2026, 11, 1, 10, 0, 0, 0, east),
		time.Date(2026, 11, 1, 14, 0, 0, 0, east),
		time.Date(7, 2, 3, 4, 5, 0, 0, time.UTC),
		time.Date(-44, 3, 15, 0, 0, 0, 0, time.UTC),
		time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	}
	for _, at := range instants {
		u := at.UTC()
		want := u.Format("2006-01-02T15:04Z")
		if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 {
			want = u.Format("2006-01-02")
		}
		if got := day(at); got != want {
			t.Errorf("day(%v) = %q, want %q", at, got, want)
		}
	}
}
