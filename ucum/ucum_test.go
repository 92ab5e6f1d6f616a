package ucum

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Molar masses, g/mol.
const (
	creatinine = 113.12
	bilirubin  = 584.66
	hemoglobin = 16114
)

func TestConvert(t *testing.T) {
	tests := []struct {
		name      string
		value     float64
		from, to  string
		molarMass float64
		want      float64
		tol       float64 // relative; 1e-12 when 0
	}{
		// Cell counts, canonical 10*9/L.
		{"count 10*9/L to 10*3/uL", 1.5, "10*9/L", "10*3/uL", 0, 1.5, 0},
		{"count 10*3/uL to 10*9/L", 7.2, "10*3/uL", "10*9/L", 0, 7.2, 0},
		{"count /uL", 1500, "/uL", "10*9/L", 0, 1.5, 0},
		{"count /mm3", 800, "/mm3", "10*9/L", 0, 0.8, 0},
		{"count 10*6/L", 1500, "10*6/L", "10*9/L", 0, 1.5, 0},
		{"count {cells}/uL", 800, "{cells}/uL", "10*9/L", 0, 0.8, 0},
		{"count 10*9/L to /uL", 0.8, "10*9/L", "/uL", 0, 800, 0},
		{"count 10^9/L", 4.2, "10^9/L", "10*9/L", 0, 4.2, 0},
		{"count 10^3/uL", 250, "10^3/uL", "10*9/L", 0, 250, 0},
		{"count x10E3/uL", 250, "x10E3/uL", "10*9/L", 0, 250, 0},
		{"count K/uL", 250, "K/uL", "10*9/L", 0, 250, 0},
		{"count /mm³", 1500, "/mm³", "10*9/L", 0, 1.5, 0},
		{"count cells/uL", 1500, "cells/uL", "10*9/L", 0, 1.5, 0},
		{"count cells/µL", 1500, "cells/µL", "10*9/L", 0, 1.5, 0},
		{"count 10*9 cells/L", 1.5, "10*9 cells/L", "10*9/L", 0, 1.5, 0},
		{"count 10*9/l", 1.5, "10*9/l", "10*9/L", 0, 1.5, 0},
		{"count 10*-3", 1500, "10*-3.10*9/L", "10*9/L", 0, 1.5, 0},
		{"count ×10⁹/L", 1.5, "×10⁹/L", "10*9/L", 0, 1.5, 0},
		{"count 10⁻³", 1500, "10⁻³/uL", "/uL", 0, 1.5, 0},

		// Hemoglobin, canonical g/L.
		{"hb g/dL", 12.5, "g/dL", "g/L", 0, 125, 0},
		{"hb g/dl", 12.5, "g/dl", "g/L", 0, 125, 0},
		{"hb mg/dL", 12500, "mg/dL", "g/L", 0, 125, 0},
		{"hb g/L to g/dL", 80, "g/L", "g/dL", 0, 8, 0},
		{"hb mmol/L", 5, "mmol/L", "g/L", hemoglobin, 80.57, 0},
		{"hb mmol/L x16.11", 1, "mmol/L", "g/L", hemoglobin, 16.11, 1e-3},
		{"hb g/L to mmol/L", 80.57, "g/L", "mmol/L", hemoglobin, 5, 0},
		{"hb mmol/l", 5, "mmol/l", "g/dL", hemoglobin, 8.057, 0},

		// Creatinine, canonical mg/dL.
		{"creat umol/L", 88.42, "umol/L", "mg/dL", creatinine, 1, 1e-3},
		{"creat umol/L exact", 88.40169731258840, "umol/L", "mg/dL", creatinine, 1, 1e-9},
		{"creat mmol/L", 0.08842, "mmol/L", "mg/dL", creatinine, 1, 1e-3},
		{"creat mg/dL to umol/L", 1, "mg/dL", "umol/L", creatinine, 88.4017, 1e-5},
		{"creat mg/dl to umol/l", 1.2, "mg/dl", "umol/l", creatinine, 106.082, 1e-5},
		{"creat µmol/L", 88.42, "µmol/L", "mg/dL", creatinine, 1, 1e-3},
		{"creat MG/DL", 1, "MG/DL", "mg/dL", 0, 1, 0},

		// Bilirubin.
		{"bili mg/dL to umol/L", 1, "mg/dL", "umol/L", bilirubin, 17.1, 1e-3},
		{"bili umol/L to mg/dL", 21, "umol/L", "mg/dL", bilirubin, 1.2278, 1e-4},

		// Complement C3/C4: mg/dL = g/L x 100.
		{"C3 mg/dL to g/L", 90, "mg/dL", "g/L", 0, 0.9, 0},
		{"C4 g/L to mg/dL", 0.1, "g/L", "mg/dL", 0, 10, 0},

		// Weight, canonical kg.
		{"weight g", 70500, "g", "kg", 0, 70.5, 0},
		{"weight kg to g", 70.5, "kg", "g", 0, 70500, 0},
		{"weight [lb_av]", 1, "[lb_av]", "kg", 0, 0.45359237, 0},
		{"weight lbs", 154, "lbs", "kg", 0, 69.85322498, 1e-9},
		{"weight lb", 154, "lb", "kg", 0, 69.85322498, 1e-9},
		{"weight kg to [lb_av]", 0.45359237, "kg", "[lb_av]", 0, 1, 0},
		{"weight [oz_av]", 16, "[oz_av]", "[lb_av]", 0, 1, 0},
		{"weight KG", 70, "KG", "kg", 0, 70, 0},

		// Percent and fraction.
		{"fraction to %", 0.62, "1", "%", 0, 62, 0},
		{"% to fraction", 62, "%", "1", 0, 0.62, 0},
		{"percent", 45, "percent", "%", 0, 45, 0},
		{"annotated fraction", 0.5, "{ratio}", "%", 0, 50, 0},

		// Time.
		{"s to min", 90, "s", "min", 0, 1.5, 0},
		{"min to s", 1.5, "min", "s", 0, 90, 0},
		{"sec", 35, "sec", "s", 0, 35, 0},
		{"h", 2, "h", "min", 0, 120, 0},
		{"wk", 1, "wk", "d", 0, 7, 0},
		{"a", 1, "a", "d", 0, 365.25, 0},
		{"mo", 12, "mo", "a", 0, 1, 0},
		{"ms", 1500, "ms", "s", 0, 1.5, 0},

		// Enzyme units.
		{"U/L to [IU]/L", 40, "U/L", "[IU]/L", 0, 40, 0},
		{"IU/L to U/L", 40, "IU/L", "U/L", 0, 40, 0},
		{"m[IU]/mL to [IU]/L", 5, "m[IU]/mL", "[IU]/L", 0, 5, 0},
		{"mIU/mL to [IU]/L", 25, "mIU/mL", "[IU]/L", 0, 25, 0},
		{"U/L to m[IU]/mL", 5, "U/L", "m[IU]/mL", 0, 5, 0},
		{"ukat/L to umol/s/L", 0.5, "ukat/L", "umol/s/L", 0, 0.5, 0},

		// Flow.
		{"L/min to mL/min", 0.05, "L/min", "mL/min", 0, 50, 0},
		{"mL/min to L/min", 50, "mL/min", "L/min", 0, 0.05, 0},
		{"ML/MIN reads as mL/min", 50, "ML/MIN", "mL/min", 0, 50, 0},
		{"mL/s to mL/min", 1, "mL/s", "mL/min", 0, 60, 0},

		// Pressure.
		{"mm[Hg] to Pa", 1, "mm[Hg]", "Pa", 0, 133.322, 0},
		{"mmHg", 95, "mmHg", "mm[Hg]", 0, 95, 0},
		{"MMHG", 95, "MMHG", "mm[Hg]", 0, 95, 0},
		{"kPa to mm[Hg]", 12.66559, "kPa", "mm[Hg]", 0, 95, 1e-6},
		{"cm[H2O] to mm[Hg]", 10, "cm[H2O]", "mm[Hg]", 0, 7.3556, 1e-4},
		{"cmH2O", 10, "cmH2O", "cm[H2O]", 0, 10, 0},

		// Equivalents: among themselves only.
		{"mEq/L as meq/L", 5.4, "mEq/L", "meq/L", 0, 5.4, 0},
		{"meq/L to eq/L", 5400, "meq/L", "eq/L", 0, 5.4, 0},
		{"MEQ/L", 5.4, "MEQ/L", "meq/L", 0, 5.4, 0},

		// Length.
		{"[in_i] to cm", 67, "[in_i]", "cm", 0, 170.18, 0},
		{"in", 67, "in", "cm", 0, 170.18, 0},
		{"[ft_i] to [in_i]", 1, "[ft_i]", "[in_i]", 0, 12, 0},
		{"kg/m2 from lb/in2", 1, "[lb_av]/[in_i]2", "kg/m2", 0, 703.0696, 1e-6},

		// Per standard body surface: {1.73_m2} in every spelling.
		{"eGFR {1.73_m2}", 20, "mL/min/{1.73_m2}", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1.73m2", 20, "mL/min/1.73m2", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1.73 m2", 20, "mL/min/1.73 m2", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1.73m^2", 20, "ml/min/1.73m^2", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1.73 m²", 20, "mL/min/1.73 m²", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1.73_m2", 20, "mL/min/1.73_m2", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR (1.73 m2)", 20, "mL/min/(1.73 m2)", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1.73 sq m", 20, "mL/min/1.73 sq m", "mL/min/{1.73_m2}", 0, 20, 0},
		{"eGFR 1,73 m2", 20, "mL/min/1,73 m2", "mL/min/{1.73_m2}", 0, 20, 0},

		// Pure numbers: ratios of substance among themselves; others among themselves.
		{"mmol/mol to umol/mol", 1, "mmol/mol", "umol/mol", 0, 1000, 0},
		{"L/L to %", 0.42, "L/L", "%", 0, 42, 0},
		{"mg/g to %", 10, "mg/g", "%", 0, 1, 0},

		// Grammar.
		{"exponent", 1, "mm3", "uL", 0, 1, 0},
		{"area", 1, "m2", "cm2", 0, 10000, 0},
		{"negative exponent", 1, "s-1", "/min", 0, 60, 0},
		{"left to right", 1, "mg/kg/d", "mg/(kg.d)", 0, 1, 0},
		{"parentheses", 1, "g/(dL)", "g/dL", 0, 1, 0},
		{"numeric factor", 1, "1000/L", "/mL", 0, 1, 0},
		{"annotation on unit", 1, "mg{creat}/dL", "mg/dL", 0, 1, 0},
		{"bare annotation", 1.1, "{INR}", "1", 0, 1.1, 0},
		{"blanks around operators", 1, " mg / dL ", "mg/dL", 0, 1, 0},
		{"prefix da", 1, "dag", "g", 0, 10, 0},
		{"mcg", 1, "mcg", "ug", 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Convert(tt.value, tt.from, tt.to, tt.molarMass)
			if err != nil {
				t.Fatalf("Convert(%v, %q, %q, %v): %v", tt.value, tt.from, tt.to, tt.molarMass, err)
			}
			tol := tt.tol
			if tol == 0 {
				tol = 1e-12
			}
			if math.Abs(got-tt.want) > tol*math.Abs(tt.want) {
				t.Errorf("Convert(%v, %q, %q, %v) = %v, want %v (rel. tol. %g)",
					tt.value, tt.from, tt.to, tt.molarMass, got, tt.want, tol)
			}
		})
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		name      string
		from, to  string
		molarMass float64
		kind      error
		msg       string // exact error text when not ""
	}{
		{"unknown atom", "mg/dl/x", "mg/dL", 0, ErrUnknownUnit, `unit "mg/dl/x": unknown atom "x"`},
		{"unknown target", "mg/dL", "furlong", 0, ErrUnknownUnit, `unit "furlong": unknown atom "furlong"`},
		{"incompatible", "g/L", "s", 0, ErrIncompatible, `cannot convert "g/L" to "s"`},
		{"count vs mass", "10*9/L", "g/L", 0, ErrIncompatible, ""},
		{"U vs kat", "U/L", "ukat/L", 0, ErrIncompatible, ""},
		{"U vs 1", "U", "1", 0, ErrIncompatible, ""},
		{"mass to substance without molar mass", "mg/dL", "umol/L", 0, ErrIncompatible,
			`cannot convert "mg/dL" to "umol/L": molar mass needed`},
		{"substance to mass without molar mass", "mmol/L", "g/L", 0, ErrIncompatible, ""},
		{"negative molar mass", "mmol/L", "g/L", -1, ErrIncompatible, ""},
		{"NaN molar mass", "mmol/L", "g/L", math.NaN(), ErrIncompatible, ""},
		{"empty from", "", "g/L", 0, ErrUnknownUnit, `unit "": empty`},
		{"empty to", "g/L", "", 0, ErrUnknownUnit, ""},
		{"blank", "  ", "g/L", 0, ErrUnknownUnit, ""},
		{"trailing operator", "mg/", "mg", 0, ErrUnknownUnit, `unit "mg/": missing unit after "/"`},
		{"lone slash", "/", "1", 0, ErrUnknownUnit, ""},
		{"double operator", "mg//dL", "mg/dL", 0, ErrUnknownUnit, ""},
		{"unterminated annotation", "{cells/uL", "/uL", 0, ErrUnknownUnit, ""},
		{"nested annotation", "{a{b}}", "1", 0, ErrUnknownUnit, ""},
		{"unterminated bracket", "[lb_av", "kg", 0, ErrUnknownUnit, ""},
		{"missing paren", "(mg", "mg", 0, ErrUnknownUnit, `unit "(mg": missing ")"`},
		{"extra paren", "mg)", "mg", 0, ErrUnknownUnit, ""},
		{"deep parens", strings.Repeat("(", 20) + "g" + strings.Repeat(")", 20), "g", 0, ErrUnknownUnit, ""},
		{"prefix on non-metric atom", "kmin", "s", 0, ErrUnknownUnit, ""},
		{"exponent too large", "m100", "m", 0, ErrUnknownUnit, ""},
		{"alias exponent too large", "K70", "1", 0, ErrUnknownUnit, ""},
		{"sign without digits", "s-", "s", 0, ErrUnknownUnit, ""},
		{"exponent alone", "-1", "1", 0, ErrUnknownUnit, `unit "-1": unknown atom "-1"`},
		{"zero factor", "0/L", "/L", 0, ErrUnknownUnit, ""},
		{"two annotations", "mg{a}{b}", "mg", 0, ErrUnknownUnit, ""},
		{"unit too large", "a99", "s", 0, ErrRange, ""},
		{"factor too large", strings.Repeat("9", 400), "1", 0, ErrRange, ""},
		{"result too large", "10*99.10*99.10*99.10*99", "1", 0, ErrRange, ""},
		{"equivalents are not moles", "meq/L", "mmol/L", 0, ErrIncompatible, `cannot convert "meq/L" to "mmol/L"`},
		{"substance ratio to percent", "mmol/mol", "%", 0, ErrIncompatible,
			`cannot convert "mmol/mol" to "%": a ratio of amounts of substance is not a plain fraction (HbA1c mmol/mol is not % / 10)`},
		{"percent to substance ratio", "%", "mmol/mol", 0, ErrIncompatible, ""},
		{"pressure vs mass", "mm[Hg]", "g", 0, ErrIncompatible, ""},
		{"prefix on inch", "m[in_i]", "m", 0, ErrUnknownUnit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Convert(1, tt.from, tt.to, tt.molarMass)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Convert(1, %q, %q, %v) = %v, %v; want error wrapping %v",
					tt.from, tt.to, tt.molarMass, got, err, tt.kind)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("error = %q, want %q", err, tt.msg)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"mg/dl":         "mg/dL",
		"MG/DL":         "mg/dL",
		"g/dl":          "g/dL",
		"mmol/l":        "mmol/L",
		"10^9/L":        "10*9/L",
		"10^3/uL":       "10*3/uL",
		"x10E3/uL":      "10*3/uL",
		"×10⁹/L":        "10*9/L",
		"K/uL":          "10*3/uL",
		"/mm³":          "/mm3",
		"cells/uL":      "{cells}/uL",
		"{cells}/µL":    "{cells}/uL",
		"10*9 cells/L":  "10*9{cells}/L",
		"lbs":           "[lb_av]",
		"lb":            "[lb_av]",
		"kg":            "kg",
		"IU/L":          "[IU]/L",
		"mIU/mL":        "m[IU]/mL",
		"sec":           "s",
		"mL/min":        "mL/min",
		"ML/MIN":        "mL/min",
		"L/min":         "L/min",
		"percent":       "%",
		"{INR}":         "{INR}",
		" mg / dL ":     "mg/dL",
		"Ml":            "Ml", // megalitre: "ML" would read as millilitre
		"not a unit":    "not a unit",
		"mmHg":          "mm[Hg]",
		"mEq/L":         "meq/L",
		"kPa":           "kPa",
		"mL/min/1.73m2": "mL/min/{1.73_m2}",
		"in":            "[in_i]",
	}
	for in, want := range tests {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDimensionless(t *testing.T) {
	tests := map[string]bool{
		"1": true, "%": true, "{INR}": true, "{titer}": true, "{ratio}": true,
		"percent": true, "10*3": true, "/{x}": true,
		"g/L": false, "10*9/L": false, "U/L": false, "s": false, "": false, "x": false,
	}
	for in, want := range tests {
		if got := Dimensionless(in); got != want {
			t.Errorf("Dimensionless(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestAliases checks every alias resolves to an atom (a misspelled table
// entry would leave a nil atom).
func TestAliases(t *testing.T) {
	for _, s := range aliasSpecs {
		if a := aliases[s.spelling]; a.at == nil || (s.prefix != "" && a.pre == nil) {
			t.Errorf("alias %q -> %q%q does not resolve", s.spelling, s.prefix, s.atom)
		}
		if s.spelling != strings.ToLower(s.spelling) {
			t.Errorf("alias %q is not lower case", s.spelling)
		}
	}
}

func FuzzConvert(f *testing.F) {
	seeds := []string{"10*9/L", "10*3/uL", "/mm3", "{cells}/uL", "g/dL", "mmol/L", "umol/L",
		"mg/dL", "[lb_av]", "%", "1", "s", "min", "m[IU]/mL", "U/L", "L/min", "x10E3/uL",
		"K/uL", "/mm³", "MG/DL", "(mg/dL){x}", "10*9 cells/L", "Ml", "kat", "a99", "mg//",
		"mm[Hg]", "mEq/L", "mL/min/1.73 m2", "mmol/mol", "[in_i]"}
	for i, s := range seeds {
		f.Add(1.5, s, seeds[(i+1)%len(seeds)], 113.12)
	}
	f.Fuzz(func(t *testing.T, v float64, from, to string, molarMass float64) {
		checkNormalize(t, from)
		got, err := Convert(v, from, to, molarMass)
		if err != nil {
			if !errors.Is(err, ErrUnknownUnit) && !errors.Is(err, ErrIncompatible) && !errors.Is(err, ErrRange) {
				t.Fatalf("Convert(%v, %q, %q): error %v wraps no sentinel", v, from, to, err)
			}
			return
		}
		if isFinite(v) && !isFinite(got) {
			t.Fatalf("Convert(%v, %q, %q) = %v without error", v, from, to, got)
		}
	})
}

// checkNormalize checks that the canonical spelling of a unit parses to the
// same unit and is stable.
func checkNormalize(t *testing.T, unit string) {
	u, err := Parse(unit)
	if err != nil {
		return
	}
	back, err := Parse(u.String())
	if err != nil {
		t.Fatalf("Parse(%q) = %q, which does not parse: %v", unit, u, err)
	}
	if back.value != u.value || back.String() != u.String() {
		t.Fatalf("Parse(%q) = %q %+v, reparsed as %q %+v", unit, u, u.value, back, back.value)
	}
}
