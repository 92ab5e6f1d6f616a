package ucum

import (
	"errors"
	"fmt"
	"math"
)

// Errors returned by this package wrap one of these; their text names the
// unit or units involved.
var (
	// ErrUnknownUnit: the unit string cannot be parsed (unknown atom,
	// bad syntax, empty).
	ErrUnknownUnit = errors.New("ucum: unknown unit")
	// ErrIncompatible: the two units measure different things, or a
	// mass <-> substance conversion has no molar mass.
	ErrIncompatible = errors.New("ucum: incompatible units")
	// ErrRange: a unit or a converted value is too large or too small to
	// represent.
	ErrRange = errors.New("ucum: out of range")
)

// unitError is an error with its own text that wraps a sentinel.
type unitError struct {
	msg  string
	kind error
}

func (e *unitError) Error() string { return e.msg }
func (e *unitError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &unitError{msg: fmt.Sprintf(format, args...), kind: kind}
}

// value is a magnitude mant x 10^p10 in base units with dimensions dim.
// molar is set when the unit names an amount of substance, even one that
// cancels (mmol/mol).
type value struct {
	mant  float64
	p10   int
	dim   dims
	molar bool
}

var unity = value{mant: 1}

func (v value) times(w value, sign int) value {
	if sign < 0 {
		w = w.pow(-1)
	}
	v.mant *= w.mant
	v.p10 += w.p10
	v.molar = v.molar || w.molar
	for i := range v.dim {
		v.dim[i] += w.dim[i]
	}
	return v
}

func (v value) pow(e int) value {
	v.mant = math.Pow(v.mant, float64(e))
	v.p10 *= e
	for i := range v.dim {
		v.dim[i] *= e
	}
	return v
}

func (v value) finite() bool {
	return v.mant > 0 && !math.IsInf(v.mant, 0)
}

// Unit is a parsed unit. The zero Unit is not valid; use Parse.
type Unit struct {
	value
	text string
}

// String returns the canonical spelling of u, e.g. "mg/dL" for "MG/DL"
// and "10*3/uL" for "x10E3/uL".
func (u Unit) String() string { return u.text }

// Dimensionless reports whether u is a pure number ("1", "%", "{INR}",
// "10*3").
func (u Unit) Dimensionless() bool { return u.dim == dims{} }

// Dimensionless reports whether unit parses and is a pure number: "1",
// "%", an annotation alone such as "{INR}", "{titer}", "{ratio}".
func Dimensionless(unit string) bool {
	u, err := Parse(unit)
	return err == nil && u.Dimensionless()
}

// Normalize returns the canonical spelling of unit for display, or unit
// unchanged when it does not parse.
func Normalize(unit string) string {
	u, err := Parse(unit)
	if err != nil {
		return unit
	}
	return u.String()
}

// Convert converts value from unit `from` to unit `to`. molarMass (g/mol,
// 0 when none) bridges mass and substance (mol) concentrations, e.g.
// creatinine 113.12, bilirubin 584.66, hemoglobin 16114 (so hemoglobin
// mmol/L x 16.11 = g/L). Two pure numbers convert only when both or neither
// are ratios of amounts of substance: mmol/mol to umol/mol, % to 1, but not
// mmol/mol to % (see the package documentation).
func Convert(value float64, from, to string, molarMass float64) (float64, error) {
	f, err := Parse(from)
	if err != nil {
		return 0, err
	}
	t, err := Parse(to)
	if err != nil {
		return 0, err
	}
	shift, ok := massShift(f.dim, t.dim)
	if !ok {
		return 0, errorf(ErrIncompatible, "cannot convert %q to %q", from, to)
	}
	if f.Dimensionless() && t.Dimensionless() && f.molar != t.molar {
		return 0, errorf(ErrIncompatible, "cannot convert %q to %q: a ratio of amounts of substance is not a plain fraction (HbA1c mmol/mol is not %% / 10)", from, to)
	}
	v := value * (f.mant / t.mant)
	if shift != 0 {
		if !(molarMass > 0) || math.IsInf(molarMass, 0) {
			return 0, errorf(ErrIncompatible, "cannot convert %q to %q: molar mass needed", from, to)
		}
		v /= math.Pow(molarMass, float64(shift))
	}
	v = scale10(v, f.p10-t.p10)
	if isFinite(value) && !isFinite(v) {
		return 0, errorf(ErrRange, "converting %g from %q to %q: result out of range", value, from, to)
	}
	return v, nil
}

// massShift reports whether quantities of dimensions a and b convert into
// each other, and how many mass exponents turn into substance exponents
// on the way (those need a molar mass).
func massShift(a, b dims) (int, bool) {
	for i := range a {
		if i != dimMass && i != dimAmount && a[i] != b[i] {
			return 0, false
		}
	}
	if a[dimMass]+a[dimAmount] != b[dimMass]+b[dimAmount] {
		return 0, false
	}
	return a[dimMass] - b[dimMass], true
}

// scale10 returns v x 10^p, using exact powers of ten where it can.
func scale10(v float64, p int) float64 {
	for p > 0 && isFinite(v) && v != 0 {
		s := min(p, 22)
		v *= math.Pow10(s)
		p -= s
	}
	for p < 0 && isFinite(v) && v != 0 {
		s := min(-p, 22)
		v /= math.Pow10(s)
		p += s
	}
	return v
}

func isFinite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }
