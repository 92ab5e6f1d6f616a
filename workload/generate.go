package workload

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// Generate returns the resources of cfg.Patients patients as a hospital
// feed sends them: patients interleaved at random, each patient's Patient
// first and the rest in the order of their meta.lastUpdated, later versions
// of a resource after the earlier ones. The same Config gives
// byte-identical output. It fails only on a bad Config.
func Generate(cfg Config) ([]Resource, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	plan := newRand(c.Seed, 0)
	long := make([]bool, c.Patients)
	for _, i := range plan.Perm(c.Patients)[:c.LongHistory] {
		long[i] = true
	}
	per, err := newMix(c).patients(c, long)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, rs := range per {
		total += len(rs)
	}
	return interleave(plan, per, total), nil
}

// patients builds every patient, on as many goroutines as there are CPUs:
// each patient depends only on the Config and its index, so the result
// does not depend on the scheduling.
func (m mix) patients(c Config, long []bool) ([][]Resource, error) {
	per := make([][]Resource, c.Patients)
	errs := make([]error, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < c.Patients && errs[w] == nil; i = int(next.Add(1) - 1) {
				per[i], errs[w] = m.patient(c, i, long[i])
			}
		})
	}
	wg.Wait()
	return per, errors.Join(errs...)
}

// mix is how the population splits: the share of SLE patients, and the
// mean size of the patients with neither SLE nor a long history that keeps
// the mean of all patients without a long history at PerPatient.
type mix struct {
	sleShare     float64
	ordinaryMean float64
}

// sleShareWanted is the share of SLE patients when PerPatient leaves room
// for their stories.
const sleShareWanted = 0.15

func newMix(c Config) mix {
	p := float64(c.PerPatient)
	sleMean := (1 + sleStoryMean + p/2) * (1 + updateRate)
	m := mix{sleShare: sleShareWanted, ordinaryMean: (p - sleShareWanted*sleMean) / (1 - sleShareWanted)}
	if floor := min(p, 4); m.ordinaryMean < floor {
		m = mix{sleShare: max(0, (p-floor)/(sleMean-floor)), ordinaryMean: floor}
	}
	return m
}

// patient builds the i-th patient: a long history, an SLE patient, or an
// ordinary one.
func (m mix) patient(c Config, i int, long bool) ([]Resource, error) {
	b := newBuilder(c, i)
	switch {
	case long:
		b.longHistory(c.LongHistoryLen)
	case b.r.chance(m.sleShare):
		s := b.sle()
		b.background(b.r.roundRand(float64(c.PerPatient)*b.r.between(0.25, 0.75)), s.everyday(ordinaryShares), s.screen+1, 730, true)
		b.updates(b.r.binomial(len(b.items), b.rate()))
	default:
		b.demographics(0.52, 18, 92)
		n := max(1, b.r.roundRand(m.ordinaryMean*b.r.between(0.5, 1.5)))
		upd := min(b.r.binomial(n-1, b.rate()), (n-1)/2)
		b.background(n-1-upd, ordinaryShares, 1, 730, false)
		b.updates(upd)
	}
	return b.resources()
}

// longHistory makes exactly n resources (the Patient included) spread over
// five years, mostly observations; some long histories are SLE patients.
func (b *builder) longHistory(n int) {
	upd := min(b.r.binomial(n-1, b.rate()), (n-1)/2)
	rest := n - 1 - upd
	minDay, safe, sh := 1, false, longShares
	if rest >= 100 && b.r.chance(0.3) {
		s := b.sle()
		rest -= len(b.items)
		minDay, safe = s.screen+1, true
		sh = s.everyday(sh)
	} else {
		b.demographics(0.5, 30, 85)
	}
	b.background(rest, sh, minDay, 1826, safe)
	b.updates(upd)
}

// interleave merges the patients' streams in a random order that keeps
// each patient's own order: every interleaving is equally likely.
func interleave(r rnd, per [][]Resource, total int) []Resource {
	tickets := make([]int32, 0, total)
	for i, rs := range per {
		for range rs {
			tickets = append(tickets, int32(i))
		}
	}
	r.Shuffle(len(tickets), func(i, j int) { tickets[i], tickets[j] = tickets[j], tickets[i] })
	next := make([]int, len(per))
	out := make([]Resource, total)
	for k, p := range tickets {
		out[k] = per[p][next[p]]
		next[p]++
	}
	return out
}
