package evaluator

import (
	"math"
	"strings"
	"testing"

	"github.com/trialscout/trialscout/ucum"
)

func TestParseLiteral(t *testing.T) {
	tests := []struct {
		in    string
		value float64
		unit  string
		err   string // the start of the error, when it fails
	}{
		{"1.5 10*9/L", 1.5, "10*9/L", ""},
		{"95 mm[Hg]", 95, "mm[Hg]", ""},
		{"95 mmHg", 95, "mmHg", ""},
		{"40 %", 40, "%", ""},
		{"40%", 40, "%", ""},
		{"20 mL/min/{1.73_m2}", 20, "mL/min/{1.73_m2}", ""},
		{"20 mL/min/1.73 m2", 20, "mL/min/1.73 m2", ""},
		{"5.0 mmol/L", 5, "mmol/L", ""},
		{"5eq/L", 5, "eq/L", ""},
		{"1e3 /uL", 1000, "/uL", ""},
		{"-2.5 kg", -2.5, "kg", ""},
		{".5 g/L", 0.5, "g/L", ""},
		{"  86   mmol/mol  ", 86, "mmol/mol", ""},
		{"1.5", 1.5, "", ""},
		{"18", 18, "", ""},
		{"", 0, "", `"": a threshold starts with a number`},
		{"ten g/L", 0, "", `"ten g/L": a threshold starts with a number`},
		{". g/L", 0, "", `". g/L": a threshold starts with a number`},
		{"1.5 10*9/LL", 0, "", `"1.5 10*9/LL": unit 10*9/LL is not a UCUM unit (unknown atom "LL")`},
		{"1.5 furlongs", 0, "", `"1.5 furlongs": unit furlongs is not a UCUM unit`},
		{"1e999 g", 0, "", `"1e999 g": 1e999 is not a number`},
		{strings.Repeat("9", 300), 0, "", `"99999999999999999999"...: a threshold is a number and a unit`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseLiteral(tt.in)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("parseLiteral(%q) = %+v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got.value != tt.value || got.unit != tt.unit {
				t.Fatalf("parseLiteral(%q) = %+v, %v; want %v %q", tt.in, got, err, tt.value, tt.unit)
			}
		})
	}
}

// TestResolveThreshold: a threshold is converted to its concept's unit when
// the trial compiles, through the concept's declared conversions first.
func TestResolveThreshold(t *testing.T) {
	hb := &compiledConcept{Concept: Concept{Name: "hemoglobin", Title: "Hb", Unit: "g/dL"}}
	hba1c := &compiledConcept{Concept: Concept{Name: "hba1c", Title: "HbA1c", Unit: "%",
		Conversions: []Conversion{{From: "mmol/mol", To: "%", Scale: 0.09148, Offset: 2.152}}}}
	lvef := &compiledConcept{Concept: Concept{Name: "lvef", Title: "LVEF", Unit: "%"}}
	bare := &compiledConcept{Concept: Concept{Name: "score", Title: "score"}}
	tests := []struct {
		name  string
		text  string
		k     *compiledConcept
		unit  string
		value float64
		shown string
		err   string
	}{
		{"same unit", "10 g/dL", hb, "", 10, "10 g/dL", ""},
		{"converted", "100 g/L", hb, "", 10, "10 g/dL (100 g/L)", ""},
		{"declared affine", "86 mmol/mol", hba1c, "", 0.09148*86 + 2.152, "10.019 % (86 mmol/mol)", ""},
		{"percent as plain number", "40", lvef, "", 40, "40", ""},
		{"fraction to percent", "0.4 1", lvef, "", 40, "40 % (0.4 1)", ""},
		{"no unit on a concept without one", "6", bare, "", 6, "6", ""},
		{"fixed unit", "50 mL/min", nil, "mL/min", 50, "50 mL/min", ""},
		{"fixed unit converted", "3 L/h", nil, "mL/min", 50, "50 mL/min (3 L/h)", ""},
		{"plain number needs a unit", "100", hb, "", 0, "", `Hb is measured in g/dL: write the threshold with its unit, e.g. "100 g/dL"`},
		{"unconvertible", "95 mm[Hg]", lvef, "", 0, "", `"95 mm[Hg]": unit mm[Hg] is not convertible to the concept's unit %`},
		{"substance ratio without a declared conversion", "86 mmol/mol", lvef, "", 0, "", `"86 mmol/mol": unit mmol/mol is not convertible to the concept's unit %`},
		{"unit on a concept without one", "6 kg", bare, "", 0, "", `"6 kg" has a unit, but the concept score has none`},
		{"fixed unit, plain number", "50", nil, "mL/min", 0, "", `mL/min is measured in mL/min: write the threshold with its unit, e.g. "50 mL/min"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lit, err := parseLiteral(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := resolveThreshold(lit, tt.text, tt.k, tt.unit)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("got %+v, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || math.Abs(got.value-tt.value) > 1e-9 || got.shown != tt.shown {
				t.Fatalf("got %+v, %v; want %v %q", got, err, tt.value, tt.shown)
			}
		})
	}
}

// FuzzParseLiteral: any text either fails with a message or gives a finite
// number and a unit that parses.
func FuzzParseLiteral(f *testing.F) {
	for _, s := range []string{"1.5 10*9/L", "95 mm[Hg]", "40%", "20 mL/min/1.73 m2", "5eq/L", "1e3 /uL",
		"-2.5 kg", ".5", "86 mmol/mol", "1e", "1e+", "+", "--1", "1..2 g", "1.5 10*9/LL", "0x10 g", "Inf", "NaN g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit, err := parseLiteral(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("parseLiteral(%q): empty error", s)
			}
			return
		}
		if math.IsInf(lit.value, 0) || math.IsNaN(lit.value) {
			t.Fatalf("parseLiteral(%q) = %v", s, lit.value)
		}
		if lit.unit != "" {
			if _, err := ucum.Parse(lit.unit); err != nil {
				t.Fatalf("parseLiteral(%q) gave unit %q, which does not parse: %v", s, lit.unit, err)
			}
		}
	})
}
