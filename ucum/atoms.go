package ucum

import "strings"

// Dimensions, in the order of the exponents in a dims value.
const (
	dimLength     = iota // metre
	dimMass              // gram
	dimTime              // second
	dimAmount            // mole
	dimArbitrary         // U = [IU]
	dimEquivalent        // eq: charge equivalents, not moles (see Convert)
	numDims
)

// dims holds the exponent of each base dimension.
type dims [numDims]int

// atom is a unit symbol without prefix: mant x 10^p10 base units.
type atom struct {
	code   string   // canonical (case-sensitive) spelling
	keys   []string // case-sensitive spellings
	ci     string   // UCUM case-insensitive spelling; "" for none
	mant   float64
	p10    int
	dim    dims
	metric bool // takes prefixes
	// molar marks the atoms of amount of substance (mol, kat): a unit
	// that names one stays molar when the moles cancel (mmol/mol).
	molar bool
}

// pressure is mass / (length x time^2): 1 Pa = 1000 g/(m.s2).
var pressure = dims{dimMass: 1, dimLength: -1, dimTime: -2}

// prefix is a metric prefix: code is how it is written, canon how it is
// printed.
type prefix struct {
	code, canon string
	p10         int
}

var atomTable = []*atom{
	{code: "m", ci: "M", mant: 1, dim: dims{dimLength: 1}, metric: true},
	{code: "g", ci: "G", mant: 1, dim: dims{dimMass: 1}, metric: true},
	{code: "L", keys: []string{"L", "l"}, ci: "L", mant: 1, p10: -3, dim: dims{dimLength: 3}, metric: true},
	{code: "mol", ci: "MOL", mant: 1, dim: dims{dimAmount: 1}, metric: true, molar: true},
	{code: "s", ci: "S", mant: 1, dim: dims{dimTime: 1}, metric: true},
	{code: "min", ci: "MIN", mant: 60, dim: dims{dimTime: 1}},
	{code: "h", ci: "HR", mant: 3600, dim: dims{dimTime: 1}},
	{code: "d", ci: "D", mant: 86400, dim: dims{dimTime: 1}},
	{code: "wk", ci: "WK", mant: 604800, dim: dims{dimTime: 1}},
	{code: "mo", ci: "MO", mant: 2629800, dim: dims{dimTime: 1}},  // mean Julian month
	{code: "a", ci: "ANN", mant: 31557600, dim: dims{dimTime: 1}}, // Julian year
	{code: "U", ci: "U", mant: 1, dim: dims{dimArbitrary: 1}, metric: true},
	{code: "[IU]", ci: "[IU]", mant: 1, dim: dims{dimArbitrary: 1}, metric: true},
	{code: "kat", ci: "KAT", mant: 1, dim: dims{dimAmount: 1, dimTime: -1}, metric: true, molar: true},
	{code: "eq", ci: "EQ", mant: 1, dim: dims{dimEquivalent: 1}, metric: true},
	{code: "Pa", ci: "PAL", mant: 1, p10: 3, dim: pressure, metric: true},
	{code: "m[Hg]", ci: "M[HG]", mant: 133.322, p10: 6, dim: pressure, metric: true},
	{code: "m[H2O]", ci: "M[H2O]", mant: 9.80665, p10: 6, dim: pressure, metric: true},
	{code: "[in_i]", ci: "[IN_I]", mant: 2.54, p10: -2, dim: dims{dimLength: 1}},
	{code: "[ft_i]", ci: "[FT_I]", mant: 30.48, p10: -2, dim: dims{dimLength: 1}},
	{code: "%", ci: "%", mant: 1, p10: -2},
	{code: "[lb_av]", ci: "[LB_AV]", mant: 453.59237, dim: dims{dimMass: 1}},
	{code: "[oz_av]", ci: "[OZ_AV]", mant: 28.349523125, dim: dims{dimMass: 1}},
	{code: "10*", ci: "10*", mant: 1, p10: 1},
	{code: "{cells}", keys: []string{}, mant: 1}, // target of the alias "cells" only
}

var (
	csPrefixes = []prefix{
		{"da", "da", 1}, {"k", "k", 3}, {"h", "h", 2}, {"d", "d", -1}, {"c", "c", -2},
		{"m", "m", -3}, {"u", "u", -6}, {"n", "n", -9}, {"p", "p", -12}, {"f", "f", -15},
		{"M", "M", 6}, {"G", "G", 9},
	}
	ciPrefixes = []prefix{
		{"DA", "da", 1}, {"MA", "M", 6}, {"GA", "G", 9}, {"K", "k", 3},
		{"H", "h", 2}, {"D", "d", -1}, {"C", "c", -2}, {"M", "m", -3},
		{"U", "u", -6}, {"N", "n", -9}, {"P", "p", -12}, {"F", "f", -15},
	}
)

// aliasSpec is a non-UCUM spelling (lower case) and what it stands for.
type aliasSpec struct {
	spelling, prefix, atom string
	exp                    int
}

var aliasSpecs = []aliasSpec{
	{"sec", "", "s", 1}, {"secs", "", "s", 1}, {"second", "", "s", 1}, {"seconds", "", "s", 1},
	{"mins", "", "min", 1}, {"minute", "", "min", 1}, {"minutes", "", "min", 1},
	{"hr", "", "h", 1}, {"hrs", "", "h", 1}, {"hour", "", "h", 1}, {"hours", "", "h", 1},
	{"day", "", "d", 1}, {"days", "", "d", 1}, {"week", "", "wk", 1}, {"weeks", "", "wk", 1},
	{"month", "", "mo", 1}, {"months", "", "mo", 1}, {"yr", "", "a", 1}, {"year", "", "a", 1},
	{"years", "", "a", 1}, {"lb", "", "[lb_av]", 1}, {"lbs", "", "[lb_av]", 1},
	{"oz", "", "[oz_av]", 1}, {"gm", "", "g", 1}, {"gms", "", "g", 1}, {"mcg", "u", "g", 1},
	{"cc", "c", "m", 3}, {"u", "", "U", 1}, {"iu", "", "[IU]", 1}, {"percent", "", "%", 1},
	{"k", "", "10*", 3}, {"10^", "", "10*", 1}, {"10e", "", "10*", 1}, {"x10^", "", "10*", 1},
	{"x10*", "", "10*", 1}, {"x10e", "", "10*", 1}, {"cell", "", "{cells}", 1},
	{"cells", "", "{cells}", 1}, {"mmhg", "m", "m[Hg]", 1}, {"cmh2o", "c", "m[H2O]", 1},
	{"in", "", "[in_i]", 1}, {"inch", "", "[in_i]", 1}, {"inches", "", "[in_i]", 1},
	{"ft", "", "[ft_i]", 1}, {"feet", "", "[ft_i]", 1}, {"foot", "", "[ft_i]", 1},
}

// Lookup tables, built by init.
var (
	csAtoms = map[string]*atom{}
	ciAtoms = map[string]*atom{}
	byCode  = map[string]*atom{}
	aliases = map[string]simple{}
)

func init() {
	for _, a := range atomTable {
		byCode[a.code] = a
		registerAtom(a)
	}
	for _, s := range aliasSpecs {
		aliases[s.spelling] = simple{pre: prefixByCode(s.prefix), at: byCode[s.atom], exp: s.exp}
	}
}

func registerAtom(a *atom) {
	keys := a.keys
	if keys == nil {
		keys = []string{a.code}
	}
	for _, k := range keys {
		csAtoms[k] = a
	}
	if a.ci != "" {
		ciAtoms[a.ci] = a
	}
}

func prefixByCode(code string) *prefix {
	for i := range csPrefixes {
		if csPrefixes[i].code == code {
			return &csPrefixes[i]
		}
	}
	return nil
}

// simple is a resolved simple unit: optional prefix, atom, exponent.
type simple struct {
	pre *prefix
	at  *atom
	exp int
}

// lookup resolves an atom symbol with optional prefix (no exponent).
// A symbol written only in capitals is read as UCUM case-insensitive first.
func lookup(body string) (simple, bool) {
	upper := strings.ToUpper(body)
	if isCapitals(body) {
		if s, ok := lookupIn(upper, ciAtoms, ciPrefixes); ok {
			return s, true
		}
	}
	if s, ok := lookupIn(body, csAtoms, csPrefixes); ok {
		return s, true
	}
	return lookupIn(upper, ciAtoms, ciPrefixes)
}

func lookupIn(body string, atoms map[string]*atom, pres []prefix) (simple, bool) {
	if a, ok := atoms[body]; ok {
		return simple{at: a, exp: 1}, true
	}
	if s, ok := aliases[strings.ToLower(body)]; ok {
		return s, true
	}
	for i := range pres {
		rest, ok := strings.CutPrefix(body, pres[i].code)
		if !ok || rest == "" {
			continue
		}
		if a := metricAtom(rest, atoms); a != nil {
			return simple{pre: &pres[i], at: a, exp: 1}, true
		}
	}
	return simple{}, false
}

// metricAtom returns the metric atom spelled s (directly or by a plain
// alias), or nil.
func metricAtom(s string, atoms map[string]*atom) *atom {
	if a, ok := atoms[s]; ok && a.metric {
		return a
	}
	if al, ok := aliases[strings.ToLower(s)]; ok && al.pre == nil && al.exp == 1 && al.at.metric {
		return al.at
	}
	return nil
}

// isCapitals reports whether s has letters and none of them is lower case.
func isCapitals(s string) bool {
	letters := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			return false
		case r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	return letters
}
