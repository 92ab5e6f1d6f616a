package evaluator

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/trialscout/trialscout/ucum"
)

// conversions memoizes ucum.Convert, which parses both units on every call.
// A patient's results are converted again at every evaluation (each new
// resource re-evaluates the whole record), and the same few units recur, so
// most calls hit. Convert is pure: a hit gives exactly what a call would.
// The map is emptied once it holds maxConversions entries, so that odd
// input cannot grow it without bound.
var conversions struct {
	m sync.Map // conversionKey -> conversion
	n atomic.Int64
}

const maxConversions = 1 << 14

// conversionKey holds the floats as bits: a map compares keys with ==,
// under which -0 equals 0 and NaN equals nothing.
type conversionKey struct {
	value, molarMass uint64
	from, to         string
}

type conversion struct {
	value float64
	err   error
}

// convertUnits is ucum.Convert, memoized.
func convertUnits(value float64, from, to string, molarMass float64) (float64, error) {
	key := conversionKey{math.Float64bits(value), math.Float64bits(molarMass), from, to}
	if hit, ok := conversions.m.Load(key); ok {
		r := hit.(conversion)
		return r.value, r.err
	}
	v, err := ucum.Convert(value, from, to, molarMass)
	if conversions.n.Add(1) > maxConversions {
		conversions.m.Clear()
		conversions.n.Store(0)
	}
	conversions.m.Store(key, conversion{v, err})
	return v, err
}
