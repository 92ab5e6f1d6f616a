package fhirmap

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	d4pb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
)

// massToMg converts the mass units a dose comes in (UCUM codes and the
// texts senders write without one) to mg.
var massToMg = map[string]float64{
	"mg": 1, "milligram": 1, "milligrams": 1,
	"g": 1000, "gram": 1000, "grams": 1000,
	"ug": 0.001, "mcg": 0.001, "µg": 0.001, "microgram": 0.001, "micrograms": 0.001,
}

// tabletUnits are the units (code or text) of a dose counted in tablets.
var tabletUnits = map[string]bool{
	"{tbl}": true, "{tablet}": true, "{tablets}": true,
	"tablet": true, "tablets": true, "tab": true, "tabs": true,
}

const (
	orderableDrugForm = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"
	gtsAbbreviation   = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
)

// timingCodes are doses per day of the GTS abbreviations.
var timingCodes = map[string]float64{"QD": 1, "BID": 2, "TID": 3, "QID": 4, "QOD": 0.5}

// periodDays are the period units a frequency is read in; a month counts 30 days.
var periodDays = map[string]float64{"h": 1.0 / 24, "d": 1, "wk": 7, "mo": 30}

// strengthRE finds "N MG" in a product name. A "/" straight after it marks a
// concentration ("5 MG/ML", "100 MG/5ML"), which is no tablet strength; a
// spaced " / " separates the ingredients of a combination product.
var strengthRE = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*mg\b(/[\d.]*[a-z])?`)

// dailyDose works out the daily dose in mg of a dosage, or says why not.
func dailyDose(d *d4pb.Dosage, products []string) (*float64, string) {
	if d == nil {
		return nil, "no dosage"
	}
	mg, note := doseMg(d, products)
	if note != "" {
		return nil, note
	}
	perDay, note := dosesPerDay(d.GetTiming())
	if note != "" {
		return nil, note
	}
	v := mg * perDay
	return &v, ""
}

// doseMg is the first dose in mg: a mass, or tablets times the strength
// named by the product.
func doseMg(d *d4pb.Dosage, products []string) (float64, string) {
	dr := d.GetDoseAndRate()
	if len(dr) == 0 || dr[0].GetDose().GetChoice() == nil {
		return 0, "no dose"
	}
	sq := dr[0].GetDose().GetQuantity()
	if sq == nil {
		return 0, "dose is a range"
	}
	q, ok := quantity(sq)
	if !ok {
		return 0, "dose has no value"
	}
	if f, ok := massToMg[strings.ToLower(strings.TrimSpace(q.Unit))]; ok {
		return q.Value * f, ""
	}
	if isTablet(sq) {
		s, note := strength(products)
		if note != "" {
			return 0, fmt.Sprintf("dose %s tablet: %s", num(q.Value), note)
		}
		return q.Value * s, ""
	}
	return 0, strings.TrimSpace(fmt.Sprintf("dose %s %s is not a mass", num(q.Value), q.Unit))
}

func isTablet(q *d4pb.SimpleQuantity) bool {
	code := q.GetCode().GetValue()
	if q.GetSystem().GetValue() == orderableDrugForm && strings.EqualFold(code, "TAB") {
		return true
	}
	return tabletUnits[strings.ToLower(code)] || tabletUnits[strings.ToLower(strings.TrimSpace(q.GetUnit().GetValue()))]
}

// strength reads the single "N MG" strength of the first product name that
// names one. Several different strengths (a combination product) are
// ambiguous and give none.
func strength(products []string) (float64, string) {
	for _, p := range products {
		var found []float64
		for _, m := range strengthRE.FindAllStringSubmatch(p, -1) {
			if m[2] != "" {
				continue
			}
			if v, err := strconv.ParseFloat(m[1], 64); err == nil && !slices.Contains(found, v) {
				found = append(found, v)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], ""
		}
		return 0, fmt.Sprintf("product %q names several strengths", p)
	}
	return 0, "no \"N MG\" strength in the product name"
}

// dosesPerDay reads timing.repeat (frequency per period), else timing.code.
func dosesPerDay(t *d4pb.Timing) (float64, string) {
	if t == nil {
		return 0, "no timing"
	}
	n, note := repeatPerDay(t.GetRepeat())
	if note == "" {
		return n, ""
	}
	if n, ok := codePerDay(t.GetCode()); ok {
		return n, ""
	}
	switch {
	case t.GetRepeat() != nil:
		return 0, note
	case t.GetCode() != nil:
		code := firstCode(t.GetCode())
		if code == "" {
			code = t.GetCode().GetText().GetValue()
		}
		return 0, fmt.Sprintf("timing code %q is not one of QD, BID, TID, QID, QOD", code)
	}
	return 0, "timing has neither repeat nor code"
}

func repeatPerDay(r *d4pb.Timing_Repeat) (float64, string) {
	if r == nil {
		return 0, "no timing"
	}
	period, ok := decimal(r.GetPeriod())
	if !ok || period <= 0 {
		return 0, "timing has no period"
	}
	unit := enumCode(r.GetPeriodUnit())
	days, ok := periodDays[unit]
	if !ok {
		return 0, fmt.Sprintf("timing period unit %q is not one of h, d, wk, mo", unit)
	}
	freq := float64(r.GetFrequency().GetValue())
	if freq == 0 {
		freq = 1 // "every 8 h" is written with a period alone
	}
	return freq / (period * days), ""
}

// codePerDay reads a GTS abbreviation from timing.code: a coding of that
// system (or of none), or the text alone.
func codePerDay(cc *d4pb.CodeableConcept) (float64, bool) {
	for _, c := range codings(cc) {
		if c.System == gtsAbbreviation || c.System == "" {
			if n, ok := timingCodes[strings.ToUpper(strings.TrimSpace(c.Code))]; ok {
				return n, true
			}
		}
	}
	n, ok := timingCodes[strings.ToUpper(strings.TrimSpace(cc.GetText().GetValue()))]
	return n, ok
}

// oralRE recognises an oral route in a text or display; inhaled products
// taken by mouth are not oral.
var (
	oralRE    = regexp.MustCompile(`(?i)\b(oral|orally|by mouth|po|p\.o\.)\b`)
	inhaledRE = regexp.MustCompile(`(?i)inhal`)
)

const snomedOral = "26643006"

// route is "oral", "other", or "" when the dosage gives none.
func route(d *d4pb.Dosage) string {
	r := d.GetRoute()
	cs := codings(r)
	texts := []string{r.GetText().GetValue()}
	for _, c := range cs {
		if (c.System == "http://snomed.info/sct" && c.Code == snomedOral) || strings.EqualFold(c.Code, "PO") {
			return "oral"
		}
		texts = append(texts, c.Display)
	}
	given := len(cs) > 0
	for _, t := range texts {
		given = given || t != ""
		if oralRE.MatchString(t) && !inhaledRE.MatchString(t) {
			return "oral"
		}
	}
	if !given {
		return ""
	}
	return "other"
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
