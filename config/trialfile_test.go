package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trialscout/trialscout/evaluator"
)

// load parses and compiles a trial file, as every command does.
func load(path string) error {
	t, err := LoadTrialFile(path)
	if err != nil {
		return err
	}
	_, err = evaluator.Compile(t)
	return err
}

// TestBadTrialFiles pins the exact messages a hospital sees for a broken
// trial file: file, line (and column in a rule) and what is wrong.
func TestBadTrialFiles(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"bad-unknown-field.yaml", []string{
			"testdata/bad-unknown-field.yaml: line 5: field rul not found in type config.criterionFile",
		}},
		{"bad-rule.yaml", []string{
			`testdata/bad-rule.yaml:12:31: criterion I8.anc: lab_at_least: unknown concept "neutrophils" (defined: anc)`,
			`testdata/bad-rule.yaml:15:35: criterion I9: no_such_function is not a rule function (the README lists them under "Trials are data")`,
		}},
		{"bad-units.yaml", []string{
			`testdata/bad-units.yaml:17: concept hba1c: conversion to mg: unit mg is not convertible to the concept's unit %`,
			`testdata/bad-units.yaml:22: concept potassium: unit mmol/LL is not a UCUM unit (unknown atom "LL")`,
			`testdata/bad-units.yaml:30: concept egfr: derive "ckd_epi_2012": want ckd_epi_2021 or bmi (did you mean "ckd_epi_2021"?)`,
			`testdata/bad-units.yaml:37:43: criterion E13: lab_below: hemoglobin is measured in g/L: write the threshold with its unit, e.g. "100 g/L"`,
			`testdata/bad-units.yaml:40:36: criterion E2: lab_below: "95 mm[Hg]": unit mm[Hg] is not convertible to the concept's unit %`,
			`testdata/bad-units.yaml:43:29: criterion E3: lab_above: unknown concept "hemoglobn" (did you mean "hemoglobin"?)`,
			`testdata/bad-units.yaml:46:43: criterion E4: lab_above: "10 g/dLL": unit g/dLL is not a UCUM unit (unknown atom "dLL")`,
			`testdata/bad-units.yaml:49:44: criterion I5: ordinal_at_least: nyha has no level "III" (its levels, lowest first: I, II)`,
			`testdata/bad-units.yaml:49:69: criterion I5: sex_is: sex "woman": write "female" or "male"`,
			`testdata/bad-units.yaml:52:30: criterion E5: lab_atleast is not a rule function (did you mean lab_at_least?)`,
		}},
		{"bad-concepts.yaml", []string{
			`testdata/bad-concepts.yaml:5: code "lonic 753-4": unknown system "lonic" (add it under systems:)`,
			`testdata/bad-concepts.yaml:5: concept anc: uln "forty": want a number and a unit, e.g. "40 U/L"`,
		}},
		{"bad-review-and-rule.yaml", []string{
			"testdata/bad-review-and-rule.yaml:3: criterion I1: give exactly one of rule and review",
			`testdata/bad-review-and-rule.yaml:7: criterion "I1" is defined twice`,
			"testdata/bad-review-and-rule.yaml:9: criterion I1: rule gives int, want bool",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			err := load(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatal("loaded without error")
			}
			got := strings.Split(err.Error(), "\n")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompileErrorsAfterParse: problems only the compiler sees are reported
// too, all at once.
func TestCompileErrorsAfterParse(t *testing.T) {
	data := `id: broken
systems:
  loinc: http://loinc.org
concepts:
  anc:
    codes: [loinc 751-8]
    window: three weeks
  class:
    includes: [missing]
criteria:
  - id: E1
    kind: exclusoin
    review: by hand
`
	tr, err := ParseTrial("inline.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	_, err = evaluator.Compile(tr)
	want := []string{
		`inline.yaml:5: concept anc: window: duration "three weeks": want a whole number and one of min, h, d, wk, mo, y (e.g. 28d, 6mo), or ever, or now`,
		`inline.yaml: concepts: concept "class" includes unknown concept "missing"`,
		`inline.yaml:11: criterion E1: kind "exclusoin": want inclusion or exclusion`,
	}
	if err == nil {
		t.Fatal("compiled without error")
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestShippedTrialHasEveryCriterion(t *testing.T) {
	trials, err := ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"I1", "I2a", "I2b", "I3a", "I3b", "I4", "I5", "I6", "I7", "I8.anc", "I8.hb", "I8.plt", "I8.alc",
		"I8.coag", "I8.lvef", "I8.dyspnea", "I8.spo2", "I8.liver", "I8.crcl", "I9", "I10", "E1.hbv", "E1.hcv", "E1.hiv",
		"E1.cmv", "E1.syphilis", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10"}
	var got []string
	for _, tr := range trials {
		if tr.ID != "sle-refractory" {
			continue
		}
		for _, c := range tr.Criteria {
			got = append(got, c.ID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("criteria (-want +got):\n%s", diff)
	}
}

func TestLocalTrialOverridesShipped(t *testing.T) {
	dir := t.TempDir()
	shipped, err := shipped.ReadFile("trials/sle-refractory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	local := strings.Replace(string(shipped), "codes: [loinc 751-8, loinc 753-4, loinc 26499-4]",
		"codes: [loinc 751-8, loinc 753-4, loinc 26499-4, urn:oid:1.2.3.4 NEUT-ABS]", 1)
	if local == string(shipped) {
		t.Fatal("the ANC codes line moved; update this test")
	}
	if err := os.WriteFile(filepath.Join(dir, "sle.yaml"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	trials, err := LoadTrials(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tr := range trials {
		ids = append(ids, tr.ID)
		if tr.ID != "sle-refractory" {
			continue
		}
		for _, k := range tr.Concepts {
			if k.Name == "anc" && k.Codes[len(k.Codes)-1].Code != "NEUT-ABS" {
				t.Errorf("anc codes %v: the local code is missing", k.Codes)
			}
		}
	}
	if diff := cmp.Diff([]string{"hf-outpatient", "sle-refractory"}, ids); diff != "" {
		t.Errorf("trials (-want +got): the local one replaces the shipped one of its id, the other stays:\n%s", diff)
	}
}

func FuzzParseTrial(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "trials/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrial("fuzz.yaml", data)
		if err != nil {
			return
		}
		_, _ = evaluator.Compile(tr)
	})
}
