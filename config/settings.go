package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Settings are trialscout's run-time settings. Each field can be set in the
// YAML file (its yaml name), by a TRIALSCOUT_<NAME> variable (the yaml name
// in upper case), or by a flag; a flag beats a variable, which beats the file.
type Settings struct {
	// TrialsDir adds trial files to, or overrides by id, the shipped ones.
	TrialsDir string `yaml:"trials_dir"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
}

// Defaults are the settings with nothing configured.
func Defaults() Settings {
	return Settings{LogLevel: "info"}
}

// Environ returns the TRIALSCOUT_* variables of the process.
func Environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "TRIALSCOUT_") {
			env[k] = v
		}
	}
	return env
}

// LoadSettings reads the optional YAML file (strictly: an unknown key is an
// error) over the defaults, then applies the environment.
func LoadSettings(file string, env map[string]string) (Settings, error) {
	s := Defaults()
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return s, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) { // an empty file sets nothing
			return s, fmt.Errorf("config %s: %w", file, yamlError(err))
		}
	}
	if v, ok := env["TRIALSCOUT_TRIALS_DIR"]; ok {
		s.TrialsDir = v
	}
	if v, ok := env["TRIALSCOUT_LOG_LEVEL"]; ok {
		s.LogLevel = v
	}
	return s, nil
}

// Validate reports settings that cannot work.
func (s Settings) Validate() error {
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log_level %q: want debug, info, warn or error", s.LogLevel)
	}
	return nil
}
