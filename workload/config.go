package workload

import (
	"errors"
	"fmt"
	"time"
)

// Config says what to generate. The zero value of every field but Patients
// has a default.
//
// Patients without a long history average PerPatient resources: SLE
// patients (about 15%) carry a screening workup of some 40 resources plus
// half the mean in everyday care, and the others are sized to keep the
// mean. With a PerPatient too small for that, fewer patients have SLE.
type Config struct {
	Patients       int       // number of patients (required, > 0)
	Seed           int64     // same Config => byte-identical output
	AsOf           time.Time // every date falls before it; zero means 2026-11-01T00:00:00Z
	PerPatient     int       // mean resources per ordinary patient; 0 means 20
	LongHistory    int       // how many patients have a long history; 0 means Patients/100 (at least 1 when Patients >= 10), -1 means none
	LongHistoryLen int       // resources for each of those; 0 means 1000
	// Messy sends what real feeds send beside tidy versions: resources
	// without meta corrected twice, corrections whose newest version
	// changes the code to one no trial reads, later versions sent before
	// earlier ones, and corrections that move a resource to another
	// patient (updates.go).
	Messy bool
}

// errConfig is wrapped by every error about a bad Config.
var errConfig = errors.New("workload: bad config")

// Defaults.
var defaultAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const (
	defaultPerPatient     = 20
	defaultLongHistoryLen = 1000
)

// withDefaults checks the Config and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Patients <= 0:
		return c, fmt.Errorf("%w: Patients is %d, must be > 0", errConfig, c.Patients)
	case c.PerPatient < 0:
		return c, fmt.Errorf("%w: PerPatient is %d, must be >= 0", errConfig, c.PerPatient)
	case c.LongHistory < -1:
		return c, fmt.Errorf("%w: LongHistory is %d, must be >= -1", errConfig, c.LongHistory)
	case c.LongHistory > c.Patients:
		return c, fmt.Errorf("%w: LongHistory %d is more than Patients %d", errConfig, c.LongHistory, c.Patients)
	case c.LongHistoryLen < 0:
		return c, fmt.Errorf("%w: LongHistoryLen is %d, must be >= 0", errConfig, c.LongHistoryLen)
	}
	if c.AsOf.IsZero() {
		c.AsOf = defaultAsOf
	}
	c.AsOf = c.AsOf.UTC()
	if y := c.AsOf.Year(); y < 1950 || y > 9000 {
		return c, fmt.Errorf("%w: AsOf %s is outside the years 1950 to 9000", errConfig, c.AsOf.Format(time.RFC3339))
	}
	if c.PerPatient == 0 {
		c.PerPatient = defaultPerPatient
	}
	if c.LongHistoryLen == 0 {
		c.LongHistoryLen = defaultLongHistoryLen
	}
	switch c.LongHistory {
	case -1:
		c.LongHistory = 0
	case 0:
		c.LongHistory = c.Patients / 100
		if c.Patients >= 10 {
			c.LongHistory = max(1, c.LongHistory)
		}
	}
	return c, nil
}
