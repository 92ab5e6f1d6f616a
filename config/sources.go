package config

import (
	"fmt"
	"sort"
	"strings"
)

// Sources maps FHIR server base URLs to the source they belong to: "" for
// the local source (its resources are named "Type/id"), or the base URL of
// the source they are one with. A base not listed is a source of its own
// (see package fhirmap).
type Sources map[string]string

// ParseSources reads "base=,base2=base3" (comma-separated base=source
// pairs; an empty source is the local one).
func ParseSources(text string) (Sources, error) {
	out := Sources{}
	for _, pair := range strings.Split(text, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		base, source, ok := strings.Cut(pair, "=")
		base = strings.TrimSpace(base)
		if !ok || base == "" {
			return nil, fmt.Errorf("sources %q: want base=source pairs, e.g. https://ehr.example/fhir= (the local source)", pair)
		}
		out[base] = strings.TrimSpace(source)
	}
	return out, nil
}

// String writes the sources as ParseSources reads them, sorted.
func (s Sources) String() string {
	pairs := make([]string, 0, len(s))
	for base, source := range s {
		pairs = append(pairs, base+"="+source)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}
