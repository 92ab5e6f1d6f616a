package evaluator

import (
	"slices"
	"strings"
)

// pregnancySignConcepts show pregnancy or breastfeeding; fertilityConcepts
// show no childbearing potential.
var (
	pregnancySignConcepts = []string{"pregnancy", "pregnancy-status", "hcg", "breastfeeding"}
	fertilityConcepts     = append(slices.Clone(pregnancySignConcepts), "sterilization", "postmenopausal")
)

func init() {
	register(
		&function{name: "not_pregnant_or_lactating", args: []argKind{argSpan}, needs: fertilityConcepts,
			doc:  "male; or no sign of pregnancy or breastfeeding and a negative hCG in the window or no childbearing potential (sterilised, or postmenopausal for at least span)",
			impl: func(c *evalContext, a args) tri { return c.notPregnant(c.span(a.str(0))) }},
		&function{name: "pregnant_or_lactating", args: []argKind{}, needs: pregnancySignConcepts,
			doc:  "an active pregnancy, a pregnant status, a positive latest hCG or breastfeeding in the window",
			impl: func(c *evalContext, a args) tri { return c.pregnant() }},
	)
}

func (c *evalContext) male() (bool, string) {
	d := c.p.Demographics
	if d != nil && d.Gender == "male" {
		return true, d.Ref
	}
	return false, ""
}

// pregnancySigns lists what shows pregnancy or breastfeeding now.
func (c *evalContext) pregnancySigns() (reasons, evidence []string) {
	checks := []func() tri{
		func() tri { return c.activeCondition("pregnancy") },
		func() tri { return c.positive("pregnancy-status") },
		func() tri { return c.positive("hcg") },
		func() tri { return c.positive("breastfeeding") },
	}
	for _, check := range checks {
		if t, f := c.quietly(check); t == yes {
			reasons = append(reasons, f.reason)
			evidence = append(evidence, f.evidence...)
		}
	}
	return reasons, evidence
}

func (c *evalContext) pregnant() tri {
	if male, ref := c.male(); male {
		return c.record(no, "male", ref)
	}
	reasons, evidence := c.pregnancySigns()
	if len(reasons) > 0 {
		return c.record(yes, "pregnant or breastfeeding: "+strings.Join(reasons, "; "), evidence...)
	}
	return c.record(no, "no pregnancy or breastfeeding on record")
}

func (c *evalContext) notPregnant(menopause Span) tri {
	if male, ref := c.male(); male {
		return c.record(yes, "male", ref)
	}
	if reasons, evidence := c.pregnancySigns(); len(reasons) > 0 {
		return c.record(no, "pregnant or breastfeeding: "+strings.Join(reasons, "; "), evidence...)
	}
	hcg, f := c.quietly(func() tri { return c.positive("hcg") })
	if hcg == no {
		return c.record(yes, f.reason, f.evidence...)
	}
	notFertile := []func() tri{
		func() tri { return c.procedure("sterilization", nil) },
		func() tri { return c.hasCondition("sterilization") },
		func() tri { return c.conditionSince("postmenopausal", menopause) },
	}
	for _, check := range notFertile {
		if t, f := c.quietly(check); t == yes {
			return c.record(yes, "not of childbearing potential: "+f.reason, f.evidence...)
		}
	}
	return c.record(unknown, "possibly of childbearing potential and no usable pregnancy test ("+f.reason+")", f.evidence...)
}
