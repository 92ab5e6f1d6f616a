package config

import (
	"testing"

	"github.com/trialscout/trialscout/evaluator"
)

func TestShippedTrialsCompile(t *testing.T) {
	trials, err := ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) == 0 {
		t.Fatal("no shipped trials")
	}
	for _, tr := range trials {
		if _, err := evaluator.Compile(tr); err != nil {
			t.Errorf("%s: %v", tr.ID, err)
		}
	}
}
