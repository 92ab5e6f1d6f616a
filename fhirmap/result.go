package fhirmap

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/trialscout/trialscout/evaluator/facts"
)

// Position says where a resource was: the file, the NDJSON line (1-based; 0
// for a JSON document) and the path of Bundle entries leading to it, such as
// "entry[3]" or "entry[2].resource.entry[5]".
type Position struct {
	File  string
	Line  int
	Entry string
	// Source is the base URL of the FHIR server the input came from, to
	// which its relative references belong; "" for the local source (see
	// source.go). It is not part of the position as printed.
	Source string
}

// String renders a position as "file.ndjson:12", "bundle.json entry[3]" or
// "file.ndjson:4 entry[0]".
func (p Position) String() string {
	var b strings.Builder
	if p.File == "" {
		b.WriteString("<input>")
	} else {
		b.WriteString(p.File)
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Entry != "" {
		b.WriteString(" ")
		b.WriteString(p.Entry)
	}
	return b.String()
}

// entry is the position of the i-th entry of the Bundle at p.
func (p Position) entry(i int) Position {
	b := make([]byte, 0, len(p.Entry)+len(".resource.entry[]")+8)
	if p.Entry != "" {
		b = append(append(b, p.Entry...), ".resource."...)
	}
	b = strconv.AppendInt(append(b, "entry["...), int64(i), 10)
	p.Entry = string(append(b, ']'))
	return p
}

// Result is the outcome for one resource. Exactly one of Fact, Ignored and
// Err is set.
type Result struct {
	Pos  Position
	Type string // resourceType; "" when unreadable
	Ref  string // "Observation/abc" when known
	// Fact is the mapped resource, set even when no concept matched: its
	// Concepts are empty then, and the store only uses it to retire an
	// earlier version that matched. Such a fact is mostly read without the
	// full parse (skim.go) and holds only the patient, Meta, status,
	// verification and clinical status, display, and an Observation's code
	// name and effective time: no values, doses or other dates.
	Fact *facts.Resource
	// Ignored says why a readable resource yields no fact: a type trialscout
	// does not read, a Medication (read only through references), a Bundle
	// entry without a resource.
	Ignored string
	// Err is a rejection: an *Error wrapping one of the sentinels.
	Err error
}
