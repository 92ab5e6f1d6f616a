package evaluator

import (
	"strings"
)

// Suggestions for misspelt names in a trial file: the closest known name,
// when it is close enough to be what the author meant.

// suggestion says what the author may have meant by name: `(did you mean
// "hemoglobin"?)`, or the known names when none is close.
func suggestion(name string, known []string) string {
	if best := closest(name, known); best != "" {
		return "(did you mean \"" + best + "\"?)"
	}
	if len(known) > 12 {
		return "(the trial defines " + strings.Join(known[:12], ", ") + ", ...)"
	}
	return "(defined: " + strings.Join(known, ", ") + ")"
}

// closest is the known name nearest to name in edit distance, ignoring
// case, when at most a third of its letters (and at least one) differ;
// "" when none is that close.
func closest(name string, known []string) string {
	limit := max(1, len([]rune(name))/3)
	best, bestDist := "", limit+1
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counting a
// swap of two neighbouring letters as one edit ("hemoglobni").
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
