// Package ucum parses and converts the small subset of UCUM (the Unified
// Code for Units of Measure, https://ucum.org) that clinical laboratory
// results use, so that trialscout can compare a lab value with a threshold
// in the concept's canonical unit ("10*9/L", "g/L", "mg/dL", "kg", "%").
//
// It owns three things: the grammar (prefixes, atoms, exponents, the
// factors 10*N and 10^N, the operators "." and "/" evaluated left to right,
// parentheses, and {annotations}, which are unity); the table of atoms a
// lab feed uses (g, L, mol, s, min, h, d, wk, mo, a, U, [IU], kat, %,
// [lb_av], [oz_av], m); and the tolerant reading of spellings real feeds
// send in Quantity.unit ("mg/dl", "x10E3/uL", "K/uL", "/mm³", "cells/uL",
// "lbs", "IU/L", "sec", "percent", "MG/DL"). A unit written only in
// capitals is read as UCUM's case-insensitive form, so "ML" is millilitre,
// not megalitre.
//
// Two deliberate departures from UCUM follow clinical practice: U and
// [IU] are the same arbitrary unit (ALT is reported in U/L or IU/L, so
// m[IU]/mL = [IU]/L, and neither converts to kat), and the mole is not
// tied to a count, so a mass concentration converts to a substance
// concentration only through a molar mass given by the caller
// (creatinine 113.12 g/mol).
//
// It is hand-written because no maintained Go UCUM library covers this.
// The Go packages that exist are betas or personal projects
// (github.com/wintermute-cds/ucum, last released in 2019, loads
// ucum-essence.xml at run time); those we found do not read the non-UCUM
// spellings lab feeds send, nor treat U and [IU] as one unit. The subset
// is small enough to own and to test completely.
package ucum
