package facts

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// ConceptSpec defines one concept of a trial's value sets: the codes and
// names that mean it, and the narrower concepts it includes (a drug class
// includes its ingredients).
type ConceptSpec struct {
	Name string
	// Codes are matched on system and code. A code ending in "*" matches
	// itself without the star and every code it prefixes ("M32.1*").
	Codes []Coding
	// Names match as whole words, case-insensitively, in texts and displays.
	Names []string
	// Includes names concepts whose members are also members of this one.
	Includes []string
	// Ingredient marks a drug ingredient: exposures are grouped by it.
	Ingredient bool
}

type codeKey struct{ system, code string }

type prefixRule struct {
	system, prefix string
	concept        string
}

// Vocabulary maps codes and names to concept names. It is built once from
// the loaded trials and is safe for concurrent use.
type Vocabulary struct {
	exact       map[codeKey][]string
	prefixes    []prefixRule
	names       *regexp.Regexp
	nameOwners  map[string][]string // lower-case name → concepts
	ingredients map[string]bool
	closure     map[string][]string // concept → itself and every concept including it
}

// NewVocabulary builds a Vocabulary. It fails on an include of an unknown
// concept or an include cycle.
func NewVocabulary(specs []ConceptSpec) (*Vocabulary, error) {
	v := &Vocabulary{
		exact:       map[codeKey][]string{},
		nameOwners:  map[string][]string{},
		ingredients: map[string]bool{},
	}
	known := map[string]ConceptSpec{}
	for _, s := range specs {
		known[s.Name] = s
	}
	var names []string
	for _, s := range specs {
		if s.Ingredient {
			v.ingredients[s.Name] = true
		}
		for _, c := range s.Codes {
			if p, ok := strings.CutSuffix(c.Code, "*"); ok {
				v.prefixes = append(v.prefixes, prefixRule{c.System, p, s.Name})
				continue
			}
			k := codeKey{c.System, c.Code}
			v.exact[k] = append(v.exact[k], s.Name)
		}
		for _, n := range s.Names {
			ln := strings.ToLower(strings.TrimSpace(n))
			if ln == "" {
				continue
			}
			if _, seen := v.nameOwners[ln]; !seen {
				names = append(names, regexp.QuoteMeta(ln))
			}
			v.nameOwners[ln] = append(v.nameOwners[ln], s.Name)
		}
	}
	if len(names) > 0 {
		// Longest first, so "mycophenolate mofetil" wins over "mycophenolate".
		sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
		v.names = regexp.MustCompile(`\b(?:` + strings.Join(names, "|") + `)\b`)
	}
	closure, err := includeClosure(known)
	if err != nil {
		return nil, err
	}
	v.closure = closure
	return v, nil
}

// includeClosure maps each concept to itself plus every concept that
// includes it, directly or through others.
func includeClosure(known map[string]ConceptSpec) (map[string][]string, error) {
	parents := map[string][]string{}
	for _, s := range known {
		for _, inc := range s.Includes {
			if _, ok := known[inc]; !ok {
				return nil, fmt.Errorf("concept %q includes unknown concept %q", s.Name, inc)
			}
			parents[inc] = append(parents[inc], s.Name)
		}
	}
	closure := map[string][]string{}
	for name := range known {
		seen := map[string]bool{name: true}
		stack := []string{name}
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, p := range parents[top] {
				if p == name {
					return nil, fmt.Errorf("concept %q includes itself through %q", name, top)
				}
				if !seen[p] {
					seen[p] = true
					stack = append(stack, p)
				}
			}
		}
		closure[name] = sortedKeys(seen)
	}
	return closure, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MatchCodes returns the concepts (with every concept including them) that
// any of the codings belongs to, sorted; nil when none.
func (v *Vocabulary) MatchCodes(codings []Coding) []string {
	hits := map[string]bool{}
	for _, c := range codings {
		v.matchCode(c, hits)
	}
	return v.expand(hits)
}

// Match is MatchCodes plus name matching in the given texts (and in the
// codings' displays).
func (v *Vocabulary) Match(codings []Coding, texts ...string) []string {
	hits := map[string]bool{}
	for _, c := range codings {
		v.matchCode(c, hits)
		v.matchName(c.Display, hits)
	}
	for _, t := range texts {
		v.matchName(t, hits)
	}
	return v.expand(hits)
}

func (v *Vocabulary) matchCode(c Coding, hits map[string]bool) {
	if c.Code == "" {
		return
	}
	for _, name := range v.exact[codeKey{c.System, c.Code}] {
		hits[name] = true
	}
	for _, p := range v.prefixes {
		if p.system == c.System && strings.HasPrefix(c.Code, p.prefix) {
			hits[p.concept] = true
		}
	}
}

func (v *Vocabulary) matchName(text string, hits map[string]bool) {
	if v.names == nil || text == "" {
		return
	}
	for _, m := range v.names.FindAllString(strings.ToLower(text), -1) {
		for _, name := range v.nameOwners[m] {
			hits[name] = true
		}
	}
}

func (v *Vocabulary) expand(hits map[string]bool) []string {
	if len(hits) == 0 {
		return nil
	}
	all := map[string]bool{}
	for h := range hits {
		for _, c := range v.closure[h] {
			all[c] = true
		}
	}
	return sortedKeys(all)
}

// Ingredients returns the ingredient concepts among concepts.
func (v *Vocabulary) Ingredients(concepts []string) []string {
	var out []string
	for _, c := range concepts {
		if v.ingredients[c] {
			out = append(out, c)
		}
	}
	return out
}
