package fhirmap

import (
	"time"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
)

// FHIR times arrive as jsonformat's microseconds since the epoch. The
// Unmarshaller runs in UTC, so a date without a time ("2024-05-01") is
// midnight UTC and a partial date ("2024-05", "2024") is its first instant;
// a time with an offset keeps its instant. Facts always hold UTC; an absent
// element is the zero time.

func dateTime(d *d4pb.DateTime) time.Time {
	if d == nil {
		return time.Time{}
	}
	return time.UnixMicro(d.GetValueUs()).UTC()
}

func date(d *d4pb.Date) time.Time {
	if d == nil {
		return time.Time{}
	}
	return time.UnixMicro(d.GetValueUs()).UTC()
}

func instant(i *d4pb.Instant) time.Time {
	if i == nil {
		return time.Time{}
	}
	return time.UnixMicro(i.GetValueUs()).UTC()
}

// periodStart and periodEnd read a Period, either bound possibly absent.
func periodStart(p *d4pb.Period) time.Time { return dateTime(p.GetStart()) }
func periodEnd(p *d4pb.Period) time.Time   { return dateTime(p.GetEnd()) }

// firstTime returns the first non-zero time.
func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
