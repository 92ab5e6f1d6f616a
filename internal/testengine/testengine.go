// Package testengine gives tests the engine with the shipped trials, as
// `trialscout eval` and `run` load them by default.
package testengine

import (
	"testing"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
)

// Shipped returns a new engine with every shipped trial; it stops the test
// when they cannot be loaded.
func Shipped(t testing.TB) *engine.Evaluator {
	t.Helper()
	trials, err := config.ShippedTrials()
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(trials)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
