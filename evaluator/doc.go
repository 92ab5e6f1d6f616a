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
// Evaluation is pure: facts + trial + time in, Evaluation out. It does no
// I/O, reads no clock and logs nothing, and a Program is safe for concurrent
// use.
package evaluator
