package evaluator_test

import (
	"os"
	"strings"
	"testing"

	"github.com/trialscout/trialscout/evaluator"
)

// TestREADMEListsEveryFunction keeps the README's table of rule functions
// in step with the code.
func TestREADMEListsEveryFunction(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range evaluator.Functions() {
		if f.Doc == "" {
			t.Errorf("%s has no doc", f.Signature)
		}
		if !strings.Contains(string(readme), "| `"+f.Signature+"` | "+f.Doc+" |") {
			t.Errorf("README.md does not list `%s` with its doc", f.Signature)
		}
	}
}
