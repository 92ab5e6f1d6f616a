package workspace

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
)

func shippedTrial(t testing.TB, id string) evaluator.Trial {
	t.Helper()
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		if tr.ID == id {
			return tr
		}
	}
	t.Fatalf("no shipped trial %s", id)
	return evaluator.Trial{}
}

// TestObtain reads the unknown reasons the evaluator gives for the shipped
// trial (from the sample patients and scenarios) into what to obtain.
func TestObtain(t *testing.T) {
	o := newObtainer(shippedTrial(t, "sle-refractory"))
	tests := []struct {
		criterion, reason string
		want              []string
	}{
		{"I8.lvef", "no LVEF in the 90 days up to 2026-11-01", []string{"LVEF within 90 days"}},
		{"I8.anc", "no ANC in the 28 days up to 2026-11-01", []string{"ANC within 28 days"}},
		{"I8.coag", "no INR or aPTT in the 28 days up to 2026-11-01", []string{"INR or aPTT within 28 days"}},
		{"E1.hbv", "no HBsAg in the 90 days up to 2026-11-01; no HBcAb in the 90 days up to 2026-11-01; no HBV DNA in the 90 days up to 2026-11-01",
			[]string{"HBsAg within 90 days", "HBcAb within 90 days", "HBV DNA within 90 days"}},
		{"E1.syphilis", "no syphilis test in the 90 days up to 2026-11-01", []string{"syphilis test within 90 days"}},
		{"I10", "possibly of childbearing potential and no usable pregnancy test (no hCG in the 28 days up to 2026-11-01)", []string{"hCG within 28 days"}},
		{"I10", "possibly of childbearing potential and no usable pregnancy test (hCG on 2026-10-26T09:00Z 12 m[IU]/mL lies between the cut-offs: indeterminate)", []string{"hCG within 28 days"}},
		{"I7", "SLEDAI-2K 7 on 2026-10-26T09:00Z >= 6, but the clinical part cannot be told (no components; serology: C3 0.62 g/L on 2026-10-26T09:00Z < LLN 0.9, C4 0.18 g/L)", []string{"SLEDAI-2K within 28 days"}},
		{"I5", "no medication data; no medication data", []string{"medication data"}},
		{"I2a", "no birth date on record", []string{"birth date"}},
		{"I3a", "SLE has no onset or recorded date", []string{"I3a: A history of SLE for at least 6 months."}},
		{"I8.crcl", `CrCl: sex "" cannot be used in Cockcroft-Gault`, []string{"I8.crcl: Creatinine clearance (Cockcroft-Gault) >=50 mL/min."}},
		{"I3b", "something new", []string{"I3b: Having used a stable standard treatment regimen for at least 8 weeks…"}},
		{"X9", "something new", []string{"X9"}},
	}
	for _, tc := range tests {
		t.Run(tc.criterion+"/"+tc.reason, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, o.Items(tc.criterion, tc.reason)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, o.Items(tc.criterion, tc.reason)); diff != "" {
				t.Errorf("memoised (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObtainUsesTheTrialsWindow(t *testing.T) {
	tr := demoTrial()
	tr.Parameters["screening_window"] = "14d" // a local copy of the trial with a shorter window
	o := newObtainer(tr)
	if got := o.Items("anc", "no ANC in the 14 days up to 2026-11-01"); !cmp.Equal(got, []string{"ANC within 14 days"}) {
		t.Errorf("got %v", got)
	}
	if got := o.Items("x", "no ferritin in the 3 months up to 2026-11-01"); !cmp.Equal(got, []string{"ferritin within 3 months"}) {
		t.Errorf("not a concept: got %v", got)
	}
}
