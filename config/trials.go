package config

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trialscout/trialscout/evaluator"
)

//go:embed trials/*.yaml
var shipped embed.FS

// ShippedTrials returns the trial files built into the binary.
func ShippedTrials() ([]evaluator.Trial, error) {
	return readTrialDir(shipped, "trials", "trials")
}

// LoadTrials returns the shipped trials, with those in dir (if not empty)
// added, or replacing a shipped one of the same id.
func LoadTrials(dir string) ([]evaluator.Trial, error) {
	trials, err := ShippedTrials()
	if err != nil {
		return nil, fmt.Errorf("shipped trials: %w", err)
	}
	if dir == "" {
		return trials, nil
	}
	local, err := readTrialDir(os.DirFS(dir), ".", dir)
	if err != nil {
		return nil, err
	}
	return mergeByID(trials, local...), nil
}

// LoadTrialFile reads one trial file from disk.
func LoadTrialFile(path string) (evaluator.Trial, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return evaluator.Trial{}, err
	}
	return ParseTrial(path, data)
}

// SelectTrials picks trials by id or file path from the loaded ones; with no
// selectors it returns them all. A path (anything ending in .yaml or .yml,
// or an existing file) is loaded from disk.
func SelectTrials(loaded []evaluator.Trial, selectors []string) ([]evaluator.Trial, error) {
	if len(selectors) == 0 {
		return loaded, nil
	}
	var out []evaluator.Trial
	for _, s := range selectors {
		t, err := selectTrial(loaded, s)
		if err != nil {
			return nil, err
		}
		out = mergeByID(out, t)
	}
	return out, nil
}

func selectTrial(loaded []evaluator.Trial, s string) (evaluator.Trial, error) {
	for _, t := range loaded {
		if t.ID == s {
			return t, nil
		}
	}
	if _, err := os.Stat(s); err == nil || strings.HasSuffix(s, ".yaml") || strings.HasSuffix(s, ".yml") {
		return LoadTrialFile(s)
	}
	var ids []string
	for _, t := range loaded {
		ids = append(ids, t.ID)
	}
	return evaluator.Trial{}, fmt.Errorf("no trial %q (loaded: %s)", s, strings.Join(ids, ", "))
}

func readTrialDir(fsys fs.FS, dir, shown string) ([]evaluator.Trial, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("trials directory %s: %w", shown, err)
	}
	var trials []evaluator.Trial
	var errs []error
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		data, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(dir, e.Name())))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := ParseTrial(filepath.Join(shown, e.Name()), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		trials = append(trials, t)
	}
	return trials, errors.Join(errs...)
}

// mergeByID adds trials, replacing any of the same id, sorted by id.
func mergeByID(base []evaluator.Trial, add ...evaluator.Trial) []evaluator.Trial {
	byID := map[string]evaluator.Trial{}
	for _, t := range append(append([]evaluator.Trial{}, base...), add...) {
		byID[t.ID] = t
	}
	out := make([]evaluator.Trial, 0, len(byID))
	for _, t := range byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
