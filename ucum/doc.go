// Package ucum parses and converts the small subset of UCUM (the Unified
// Code for Units of Measure, https://ucum.org) that clinical laboratory
// results use, so that trialscout can compare a lab value with a threshold
// in the concept's canonical unit ("10*9/L", "g/L", "mg/dL", "kg", "%").
//
// It owns three things: the grammar (prefixes, atoms, exponents, the
// factors 10*N and 10^N, the operators "." and "/" evaluated left to right,
// parentheses, and {annotations}, which are unity); the table of atoms a
// lab feed uses (g, L, mol, eq, s, min, h, d, wk, mo, a, U, [IU], kat, %,
// Pa, m[Hg], m[H2O], [lb_av], [oz_av], [in_i], [ft_i], m); and the
// tolerant reading of spellings real feeds send in Quantity.unit ("mg/dl",
// "x10E3/uL", "K/uL", "/mm³", "cells/uL", "lbs", "IU/L", "sec", "percent",
// "MG/DL", "mmHg", "mEq/L", "in", and "mL/min/1.73m2" with every spelling
// of the standard body surface, which is UCUM's annotation {1.73_m2}). A
// unit written only in capitals is read as UCUM's case-insensitive form,
// so "ML" is millilitre, not megalitre; a capital inside a word falls back
// to that form too ("mEq" is meq).
//
// Four deliberate departures from UCUM follow clinical practice, each so
// that no value is converted wrongly: U and [IU] are the same arbitrary
// unit (ALT is reported in U/L or IU/L, so m[IU]/mL = [IU]/L, and neither
// converts to kat); the mole is not tied to a count, so a mass
// concentration converts to a substance concentration only through a
// molar mass given by the caller (creatinine 113.12 g/mol); equivalents
// (eq) are not moles (UCUM makes them equal, which is right only for a
// monovalent ion: 1 mmol/L of calcium is 2 meq/L), so meq/L converts only
// to other equivalents; and a ratio of amounts of substance (mmol/mol)
// does not convert to a plain number (% or 1), because clinical
// percentages of a substance are scales of their own: HbA1c 97 mmol/mol
// (IFCC) is 11.0 % (NGSP), not 9.7 %. Conversions that depend on the
// analyte are the caller's to declare (package evaluator: a concept's
// conversions).
//
// It is hand-written because no maintained Go UCUM library covers this.
// The Go packages that exist are betas or personal projects
// (github.com/wintermute-cds/ucum, last released in 2019, loads
// ucum-essence.xml at run time); those we found do not read the non-UCUM
// spellings lab feeds send, nor treat U and [IU] as one unit. The subset
// is small enough to own and to test completely.
package ucum
