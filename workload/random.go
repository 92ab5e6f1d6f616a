package workload

import (
	"math"
	"math/rand/v2"
)

// rnd is a seeded PCG source with the draws the generator needs. Each
// patient has its own, derived from the seed and the patient's index, so a
// patient's resources do not depend on how many patients come before it.
type rnd struct{ *rand.Rand }

func newRand(seed int64, stream uint64) rnd {
	return rnd{rand.New(rand.NewPCG(splitmix(uint64(seed)), splitmix(stream^0x5851f42d4c957f2d)))}
}

// splitmix is splitmix64's finaliser: nearby seeds give unrelated states.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (r rnd) chance(p float64) bool { return r.Float64() < p }

// between is uniform in [lo, hi).
func (r rnd) between(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// intIn is uniform in [lo, hi], both included.
func (r rnd) intIn(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// roundRand rounds x up with probability equal to its fraction, so that
// the mean of the results is x.
func (r rnd) roundRand(x float64) int {
	n := math.Floor(x)
	if r.Float64() < x-n {
		n++
	}
	return int(n)
}

// normal draws from N(mean, sd) clamped to [lo, hi].
func (r rnd) normal(mean, sd, lo, hi float64) float64 {
	return min(hi, max(lo, mean+sd*r.NormFloat64()))
}

// binomial counts successes in n trials of probability p.
func (r rnd) binomial(n int, p float64) int {
	k := 0
	for range n {
		if r.Float64() < p {
			k++
		}
	}
	return k
}

func pick[T any](r rnd, xs []T) T { return xs[r.IntN(len(xs))] }

// pickWeighted draws one element with probability proportional to its
// weight; ok is false when no element has a positive weight.
func pickWeighted[T any](r rnd, xs []T, weight func(T) float64) (T, bool) {
	total := 0.0
	for _, x := range xs {
		total += max(0, weight(x))
	}
	var zero T
	if total <= 0 {
		return zero, false
	}
	u := r.Float64() * total
	for _, x := range xs {
		if w := max(0, weight(x)); w > 0 {
			if u < w {
				return x, true
			}
			u -= w
		}
	}
	for i := len(xs) - 1; i >= 0; i-- { // rounding left u at the top
		if weight(xs[i]) > 0 {
			return xs[i], true
		}
	}
	return zero, false
}

// round rounds v to dec decimals.
func round(v float64, dec int) float64 {
	p := math.Pow10(dec)
	return math.Round(v*p) / p
}
