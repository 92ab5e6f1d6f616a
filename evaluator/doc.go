// Package evaluator decides a trial's criteria for one patient at one time.
//
// A trial definition (Trial, loaded from YAML by package config) is compiled
// once into a Program: every criterion rule is a CEL expression over the
// variable `patient`, whose member functions (lab_at_least, positive,
// stable_regimen, ...) read the patient's facts and return true, false or
// unknown. CEL's && and || are three-valued over unknowns, which is exactly
// the logic a criterion needs. While a rule runs, each function records what
// it looked at; the criterion's reason and evidence are drawn from the
// records that agree with its result.
//
// Compiling checks what CEL cannot: that concept, span, level and sex
// arguments name what the trial defines (with a suggestion for a misspelt
// name), and that every threshold, written with its unit ("1.5 10*9/L",
// quantity.go), converts to the unit it is compared in; the converted
// thresholds are kept with the Program. Results are converted to their
// concept's unit through the concept's declared conversions, then UCUM
// (convert.go); a component that means a concept is a result of its own
// (reading.go); derived concepts (eGFR, BMI) are worked out from their
// inputs when those are newer than a reported value (derive.go). Each
// trial reads facts with its own vocabulary (reading.go), once per fact
// (facts.Patient.Memo), through an index by concept (index.go) that a
// patient with a long history keeps between evaluations
// (facts.Patient.TakeDerived): only the facts changed since are filed
// again, so an evaluation's cost does not grow with the history.
//
// Evaluation is pure: facts + trial + time in, Evaluation out. It does no
// I/O, reads no clock and logs nothing, and a Program is safe for concurrent
// use.
package evaluator
