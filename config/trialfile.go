package config

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/evaluator/facts"
)

// trialFile is a trial file as written.
type trialFile struct {
	ID         string                 `yaml:"id"`
	Title      string                 `yaml:"title"`
	Protocol   string                 `yaml:"protocol"`
	Parameters map[string]string      `yaml:"parameters"`
	Systems    map[string]string      `yaml:"systems"`
	Answers    answersFile            `yaml:"answers"`
	Concepts   map[string]conceptFile `yaml:"concepts"`
	Criteria   []criterionFile        `yaml:"criteria"`
}

type answersFile struct {
	Positive []string `yaml:"positive"`
	Negative []string `yaml:"negative"`
}

type conceptFile struct {
	Title            string           `yaml:"title"`
	Codes            []string         `yaml:"codes"`
	Names            []string         `yaml:"names"`
	Includes         []string         `yaml:"includes"`
	Ingredient       bool             `yaml:"ingredient"`
	Window           string           `yaml:"window"`
	Unit             string           `yaml:"unit"`
	MolarMass        float64          `yaml:"molar_mass"`
	ULN              string           `yaml:"uln"`
	LLN              string           `yaml:"lln"`
	PositiveTiter    float64          `yaml:"positive_titer"`
	NegativeBelow    string           `yaml:"negative_below"`
	PositiveAt       string           `yaml:"positive_at"`
	ViralLoad        bool             `yaml:"viral_load"`
	PositiveCodes    []string         `yaml:"positive_codes"`
	NegativeCodes    []string         `yaml:"negative_codes"`
	PrednisoneFactor float64          `yaml:"prednisone_factor"`
	Conversions      []conversionFile `yaml:"conversions"`
	Derive           string           `yaml:"derive"`
	Ordinal          []levelFile      `yaml:"ordinal"`
}

// conversionFile is a conversion UCUM cannot know: a value in from is
// scale x value + offset in to.
type conversionFile struct {
	From   string   `yaml:"from"`
	To     string   `yaml:"to"`
	Scale  *float64 `yaml:"scale"`
	Offset float64  `yaml:"offset"`
}

// levelFile is one level of an ordinal scale.
type levelFile struct {
	Level string   `yaml:"level"`
	Codes []string `yaml:"codes"`
}

type criterionFile struct {
	ID     string `yaml:"id"`
	Kind   string `yaml:"kind"`
	Text   string `yaml:"text"`
	Rule   string `yaml:"rule"`
	Review string `yaml:"review"`
}

// ParseTrial reads a trial file. name is used in error messages. Every
// problem found is reported, each as "name:line: what".
func ParseTrial(name string, data []byte) (evaluator.Trial, error) {
	var f trialFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return evaluator.Trial{}, fmt.Errorf("%s: %w", name, yamlError(err))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return evaluator.Trial{}, fmt.Errorf("%s: %w", name, err)
	}
	b := &builder{name: name, file: f, lines: linesOf(&doc, strings.Split(string(data), "\n"))}
	t := b.build()
	if len(b.errs) > 0 {
		return evaluator.Trial{}, errors.Join(b.errs...)
	}
	return t, nil
}

// yamlError flattens yaml.v3's multi-line TypeError into one line per problem.
func yamlError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	return err
}

type builder struct {
	name  string
	file  trialFile
	lines positions
	errs  []error
}

func (b *builder) fail(line int, format string, args ...any) {
	b.errs = append(b.errs, &evaluator.TrialError{Source: b.name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) build() evaluator.Trial {
	f := b.file
	t := evaluator.Trial{ID: f.ID, Title: f.Title, Source: b.name, Parameters: f.Parameters}
	t.Positive = b.codings(b.lines.answers, f.Answers.Positive)
	t.Negative = b.codings(b.lines.answers, f.Answers.Negative)
	for _, name := range b.lines.conceptOrder {
		t.Concepts = append(t.Concepts, b.concept(name, f.Concepts[name], b.lines.concepts[name]))
	}
	for i, c := range f.Criteria {
		pos := b.lines.criteria[i]
		t.Criteria = append(t.Criteria, evaluator.Criterion{ID: c.ID, Kind: c.Kind, Text: strings.TrimSpace(c.Text),
			Rule: c.Rule, Review: strings.TrimSpace(c.Review), Line: pos.line, RuleLine: pos.rule, RuleColumn: pos.column})
	}
	return t
}

func (b *builder) concept(name string, c conceptFile, line int) evaluator.Concept {
	return evaluator.Concept{
		Name: name, Title: c.Title, Line: line,
		Codes: b.codings(line, c.Codes), Names: c.Names, Includes: c.Includes, Ingredient: c.Ingredient,
		Window: c.Window, Unit: c.Unit, MolarMass: c.MolarMass,
		ULN: b.quantity(line, name, "uln", c.ULN), LLN: b.quantity(line, name, "lln", c.LLN),
		PositiveTiter: c.PositiveTiter,
		NegativeBelow: b.quantity(line, name, "negative_below", c.NegativeBelow),
		PositiveAt:    b.quantity(line, name, "positive_at", c.PositiveAt),
		ViralLoad:     c.ViralLoad,
		PositiveCodes: b.codings(line, c.PositiveCodes), NegativeCodes: b.codings(line, c.NegativeCodes),
		PrednisoneFactor: c.PrednisoneFactor,
		Conversions:      b.conversions(line, name, c.Conversions),
		Derive:           c.Derive,
		Ordinal:          b.levels(line, c.Ordinal),
	}
}

func (b *builder) conversions(line int, concept string, cs []conversionFile) []evaluator.Conversion {
	var out []evaluator.Conversion
	for _, c := range cs {
		if c.From == "" || c.To == "" || c.Scale == nil {
			b.fail(line, "concept %s: a conversion needs from, to and scale (offset is optional), e.g. {from: mmol/mol, to: \"%%\", scale: 0.09148, offset: 2.152}", concept)
			continue
		}
		out = append(out, evaluator.Conversion{From: c.From, To: c.To, Scale: *c.Scale, Offset: c.Offset})
	}
	return out
}

func (b *builder) levels(line int, ls []levelFile) []evaluator.OrdinalLevel {
	var out []evaluator.OrdinalLevel
	for _, l := range ls {
		out = append(out, evaluator.OrdinalLevel{Name: l.Level, Codes: b.codings(line, l.Codes)})
	}
	return out
}

// codings reads "alias code" entries ("loinc 751-8"); the system may also be
// written out in full ("http://loinc.org 751-8").
func (b *builder) codings(line int, entries []string) []facts.Coding {
	var out []facts.Coding
	for _, e := range entries {
		fields := strings.Fields(e)
		if len(fields) != 2 {
			b.fail(line, "code %q: want \"system code\", e.g. \"loinc 751-8\"", e)
			continue
		}
		system, ok := b.file.Systems[fields[0]]
		if !ok && !strings.Contains(fields[0], ":") {
			b.fail(line, "code %q: unknown system %q (add it under systems:)", e, fields[0])
			continue
		}
		if !ok {
			system = fields[0]
		}
		out = append(out, facts.Coding{System: system, Code: fields[1]})
	}
	return out
}

// quantity reads "40 U/L".
func (b *builder) quantity(line int, concept, field, s string) *facts.Quantity {
	if s == "" {
		return nil
	}
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || strings.TrimSpace(unit) == "" {
		b.fail(line, "concept %s: %s %q: want a number and a unit, e.g. \"40 U/L\"", concept, field, s)
		return nil
	}
	return &facts.Quantity{Value: v, Unit: strings.TrimSpace(unit)}
}
