package main

import (
	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
)

// loadSettings resolves settings: flags, then TRIALSCOUT_* variables, then
// the --config file.
func loadSettings(cmd *cobra.Command) (config.Settings, error) {
	file, _ := cmd.Flags().GetString("config")
	s, err := config.LoadSettings(file, config.Environ())
	if err != nil {
		return s, usageError("%v", err)
	}
	if f := cmd.Flags().Lookup("trials"); f != nil && f.Changed {
		s.TrialsDir = f.Value.String()
	}
	return s, s.Validate()
}
