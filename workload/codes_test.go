package workload

import (
	"testing"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// loincCheck reports whether a LOINC code's check digit (after the dash)
// is right: the mod-10 algorithm LOINC publishes.
func loincCheck(code string) bool {
	n := len(code)
	if n < 3 || code[n-2] != '-' {
		return false
	}
	sum := 0
	for i, j := n-3, 0; i >= 0; i, j = i-1, j+1 {
		d := int(code[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if j%2 == 0 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return (10-sum%10)%10 == int(code[n-1]-'0')
}

// Verhoeff tables, for SNOMED CT ids.
var (
	verhoeffD = [10][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1}, {6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
		{7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}
	verhoeffP = [8][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1}, {2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
		{7, 0, 4, 6, 9, 1, 3, 2, 5, 8}}
)

func snomedCheck(id string) bool {
	c := 0
	for i := range len(id) {
		d := int(id[len(id)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		c = verhoeffD[c][verhoeffP[i%8][d]]
	}
	return len(id) >= 6 && c == 0
}

func TestCheckDigits(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{{"751-8", true}, {"751-7", false}, {"2093-3", true}, {"55464009", true}, {"55464008", false}} {
		var got bool
		if len(tc.code) > 2 && tc.code[len(tc.code)-2] == '-' {
			got = loincCheck(tc.code)
		} else {
			got = snomedCheck(tc.code)
		}
		if got != tc.ok {
			t.Errorf("check digit of %s: %v, want %v", tc.code, got, tc.ok)
		}
	}
}

// catalogCodings lists every coding the generator can write, with whether
// the shipped trial's vocabulary has it.
func catalogCodings() (out []struct {
	c        coding
	text     string
	relevant bool
}) {
	add := func(c coding, text string, relevant bool) {
		out = append(out, struct {
			c        coding
			text     string
			relevant bool
		}{c, text, relevant})
	}
	specs := []*labSpec{heartRate, respRate, temperature, spo2, bodyWeight, bodyHeight, bmi, painScore, systolic, diastolic,
		hbFemale, hbMale, dsDNA, c3, c4, lvef}
	for _, p := range labPanels {
		specs = append(specs, p.specs...)
	}
	for _, s := range specs {
		if s != nil {
			add(coding{loinc, s.code, s.display}, "", s.relevant)
		}
	}
	add(coding{loinc, bpPanelCode, bpPanelDisplay}, "", false)
	for _, q := range []qualSpec{anaTest, hcgTest, hbsagTest, hbcabTest, hbvDNA, hcvabTest, hivTest, cmvDNA, rprTest} {
		add(coding{loinc, q.code, q.display}, "", true)
	}
	for _, c := range append([]*condSpec{sle, lupusNephritis}, conditionPool...) {
		add(coding{snomed, c.snomed, c.display}, c.display, c.relevant)
		if c.icd != "" {
			add(coding{icd10cm, c.icd, c.icdDisplay}, c.display, c.relevant)
		}
	}
	for _, m := range meds {
		add(coding{rxnorm, m.code, m.name}, m.product, m.relevant)
	}
	for _, v := range vaccines {
		add(coding{cvx, v.code, v.display}, v.display, v.relevant)
	}
	for _, p := range procedures {
		add(coding{snomed, p.code, p.display}, p.display, p.relevant)
	}
	for _, a := range []answer{ansPositive, ansNegative, ansDetected, ansNotDetected, ansNonReactive} {
		add(a.coding, "", false)
	}
	for _, c := range append([]coding{rash, urticaria}, encounterTypes...) {
		add(c, "", false)
	}
	add(anaphylaxis, "", true) // the trial's code, though never read from a reaction's manifestation
	for _, a := range allergies {
		if a.code != "" {
			add(coding{snomed, a.code, a.display}, "", false)
		}
	}
	for _, r := range routes {
		add(r.Coding[0], "", false)
	}
	return out
}

// TestCatalogCodes checks every LOINC and SNOMED CT code's check digit,
// and that the shipped trial's vocabulary reads exactly the codes marked
// relevant (by code, or by a drug's name in its product).
func TestCatalogCodes(t *testing.T) {
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	progs, err := evaluator.CompileAll(trials)
	if err != nil {
		t.Fatal(err)
	}
	vocab, err := evaluator.Relevance(progs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range catalogCodings() {
		switch e.c.System {
		case loinc:
			if !loincCheck(e.c.Code) {
				t.Errorf("LOINC %s (%s): bad check digit", e.c.Code, e.c.Display)
			}
		case snomed:
			if !snomedCheck(e.c.Code) {
				t.Errorf("SNOMED CT %s (%s): bad check digit", e.c.Code, e.c.Display)
			}
		}
		fc := facts.Coding{System: e.c.System, Code: e.c.Code, Display: e.c.Display}
		if got := len(vocab.Match([]facts.Coding{fc}, e.text)) > 0; got != e.relevant {
			t.Errorf("%s %s (%s, %q): read by the trial %v, marked relevant %v", e.c.System, e.c.Code, e.c.Display, e.text, got, e.relevant)
		}
	}
}
