package workspace

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"go.uber.org/zap"

	"github.com/trialscout/trialscout/evaluator"
)

// synthetic makes evaluations of a trial the way a busy site's state looks:
// most criteria in the patient's favour, lab criteria often unknown (the lab
// is missing, with the evaluator's reason), a few ruling out, and a few
// patients with the criteria left to a person decided.
type synthetic struct {
	trial   evaluator.Trial
	unknown map[string]string // criterion -> the evaluator's reason when unknown
	rng     *rand.Rand
}

var conceptArg = regexp.MustCompile(`"([a-z0-9-]+)"`)

func newSynthetic(t evaluator.Trial, seed uint64) *synthetic {
	s := &synthetic{trial: t, unknown: map[string]string{}, rng: rand.New(rand.NewPCG(seed, 7))}
	concepts := map[string]evaluator.Concept{}
	for _, c := range t.Concepts {
		concepts[c.Name] = c
	}
	for _, c := range t.Criteria {
		s.unknown[c.ID] = "no medication data"
		if m := conceptArg.FindStringSubmatch(c.Rule); m != nil {
			if k, ok := concepts[m[1]]; ok && k.Window != "" {
				s.unknown[c.ID] = fmt.Sprintf("no %s in the %s up to 2026-11-01", k.Title, windowText(t, k.Window))
			}
		}
	}
	return s
}

func (s *synthetic) evaluation(patient string) evaluator.Evaluation {
	ev := evaluator.Evaluation{Trial: s.trial.ID, Patient: patient, AsOf: asOf}
	decided := s.rng.IntN(20) == 0
	unknownRate := [...]int{0, 0, 0, 3, 3, 3, 3, 3, 15, 15}[s.rng.IntN(10)] // percent per criterion
	for _, c := range s.trial.Criteria {
		favour, bad := evaluator.Met, evaluator.NotMet
		if c.Kind == evaluator.Exclusion {
			favour, bad = bad, favour
		}
		r, reason, evidence := favour, "decided from the record", []string{"Observation/" + c.ID}
		switch x := s.rng.IntN(100); {
		case c.Review != "" && !decided:
			r, reason, evidence = evaluator.Review, c.Review, nil
		case c.Review != "":
		case x < unknownRate:
			r, reason, evidence = evaluator.Unknown, s.unknown[c.ID], nil
		case x < unknownRate+2:
			r, reason = bad, "ruled out by the record"
		}
		ev.Criteria = append(ev.Criteria, evaluator.CriterionResult{ID: c.ID, Kind: c.Kind, Result: r, Reason: reason, Evidence: evidence})
	}
	ev.Status = statusOf(ev.Criteria)
	until := asOf.AddDate(0, 0, 20)
	ev.ValidUntil = &until
	return ev
}

// benchModel is a read model of n synthetic patients of the shipped trial.
func benchModel(b *testing.B, n int) (*ReadModel, *synthetic) { return benchModelT(b, n) }

func benchModelT(b testing.TB, n int) (*ReadModel, *synthetic) {
	b.Helper()
	tr := shippedTrial(b, "sle-refractory")
	rm := NewReadModel([]evaluator.Trial{tr})
	syn := newSynthetic(tr, 1)
	for i := range n {
		id := fmt.Sprintf("Patient/p%05d", i)
		rm.Put(PatientState{Patient: id, Evaluations: []evaluator.Evaluation{syn.evaluation(id)}})
		for j := range 3 {
			rm.AddTransition(Transition{EventID: fmt.Sprintf("%s-%d", id, j), Trial: tr.ID, Patient: id, To: evaluator.Incomplete,
				Time: asOf.AddDate(0, 0, j), Cause: "Observation/o"})
		}
	}
	return rm, syn
}

const benchPatients = 10000

func benchServer(b *testing.B, rm *ReadModel) http.Handler {
	b.Helper()
	s, err := NewServer(Config{}, rm, &fakeRecorder{}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	return s.Handler()
}

func serve(b *testing.B, h http.Handler, path string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	if w.Code != http.StatusOK {
		b.Fatalf("%s: status %d", path, w.Code)
	}
}

// BenchmarkPages renders each list page with 10,000 patients (the target is
// under 200 ms a page).
func BenchmarkPages(b *testing.B) {
	rm, _ := benchModel(b, benchPatients)
	h := benchServer(b, rm)
	for _, path := range []string{
		"/",
		"/trials/sle-refractory",
		"/trials/sle-refractory?status=incomplete",
		"/trials/sle-refractory?status=incomplete&page=40",
		"/trials/sle-refractory?status=ineligible",
		"/trials/sle-refractory?q=p0999",
		"/trials/sle-refractory/unlock",
		"/patients/Patient%2Fp04242",
		"/api/trials",
		"/api/trials/sle-refractory?status=incomplete",
		"/api/trials/sle-refractory/unlock",
	} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				serve(b, h, path)
			}
		})
	}
}

// BenchmarkWorklist is the worklist page when every request follows a
// change of some patient's place in it, so its order is sorted again each
// time (the worst case of the cache).
func BenchmarkWorklist(b *testing.B) {
	rm, syn := benchModel(b, benchPatients)
	h := benchServer(b, rm)
	for _, status := range []string{"", "incomplete"} {
		b.Run("cached/status="+status, func(b *testing.B) {
			for b.Loop() {
				serve(b, h, "/trials/sle-refractory?status="+status)
			}
		})
		b.Run("after-put/status="+status, func(b *testing.B) {
			i := 0
			for b.Loop() {
				id := fmt.Sprintf("Patient/p%05d", i%benchPatients)
				rm.Put(PatientState{Patient: id, Evaluations: []evaluator.Evaluation{syn.evaluation(id)}})
				serve(b, h, "/trials/sle-refractory?status="+status)
				i++
			}
		})
	}
}

// BenchmarkPut is one patient's new evaluation into a model of 10,000: it
// costs O(criteria), not O(patients).
func BenchmarkPut(b *testing.B) {
	for _, n := range []int{100, benchPatients} {
		b.Run(fmt.Sprintf("patients=%d", n), func(b *testing.B) {
			rm, syn := benchModel(b, n)
			evs := make([]PatientState, 256)
			for i := range evs {
				id := fmt.Sprintf("Patient/p%05d", i%n)
				evs[i] = PatientState{Patient: id, Evaluations: []evaluator.Evaluation{syn.evaluation(id)}}
			}
			i := 0
			for b.Loop() {
				rm.Put(evs[i%len(evs)])
				i++
			}
		})
	}
}
