package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/engine"
)

func newEvalCommand() *cobra.Command {
	var selectors []string
	var asOf, source string
	cmd := &cobra.Command{
		Use:   "eval [--trial ID|FILE]... [--as-of TIME] FILE...",
		Short: "Evaluate patients in FHIR R4 files (a resource, a Bundle or NDJSON; - is standard input)",
		Long: `Reads FHIR R4 JSON (one resource, a Bundle, or NDJSON; "-" is standard input),
groups resources by patient, evaluates every loaded trial (default: all of them) and
prints one evaluation per patient and trial as NDJSON, sorted by patient then trial.
Rejected resources are reported on standard error with file, position and reason.`,
		Example: `  trialscout eval --as-of 2026-11-01 patient-bundle.json
  trialscout eval --trial sle-refractory export/*.ndjson`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("eval: no input files (use - for standard input)")
			}
			settings, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			at, err := parseAsOf(asOf, time.Now())
			if err != nil {
				return usageError("eval: --as-of: %v", err)
			}
			return runEval(cmd, settings, selectors, at, source, args)
		},
	}
	cmd.Flags().StringArrayVar(&selectors, "trial", nil, "trial id or trial file to evaluate (repeatable; default: all loaded trials)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluation time: RFC 3339 or YYYY-MM-DD (midnight UTC); default now")
	cmd.Flags().StringVar(&source, "source", "", "base URL of the FHIR server the files come from (their relative references belong to it); default the local source")
	return cmd
}

// parseAsOf reads RFC 3339 or a plain date (midnight UTC); empty means now.
func parseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DD", s)
	}
	return t, nil
}

func runEval(cmd *cobra.Command, s config.Settings, selectors []string, at time.Time, source string, files []string) error {
	loaded, err := config.LoadTrials(s.TrialsDir)
	if err != nil {
		return usageError("%v", err)
	}
	trials, err := config.SelectTrials(loaded, selectors)
	if err != nil {
		return usageError("%v", err)
	}
	ev, err := engine.New(trials, engine.WithSources(s.Sources))
	if err != nil {
		return usageError("%v", err)
	}
	inputs, unopened, closeAll := openInputs(cmd.InOrStdin(), files)
	defer closeAll()
	for i := range inputs {
		inputs[i].Source = source
	}
	pr := newProgress(cmd.ErrOrStderr(), inputs)
	pr.begin()
	out := ev.RunWithProgress(inputs, at, pr.counters())
	pr.end()
	out.Unreadable = append(unopened, out.Unreadable...)
	if err := writeNDJSON(cmd.OutOrStdout(), out); err != nil {
		return &exitError{exitUsage, err}
	}
	return reportProblems(cmd.ErrOrStderr(), out)
}

// openInputs opens every file it can; one that cannot be opened is
// reported like one that cannot be read, and the others still run.
func openInputs(stdin io.Reader, files []string) ([]engine.Input, []error, func()) {
	var inputs []engine.Input
	var unopened []error
	var open []*os.File
	closeAll := func() {
		for _, f := range open {
			f.Close()
		}
	}
	for _, name := range files {
		if name == "-" {
			inputs = append(inputs, engine.Input{Name: "<stdin>", R: stdin})
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			unopened = append(unopened, err)
			continue
		}
		open = append(open, f)
		inputs = append(inputs, engine.Input{Name: name, R: f})
	}
	return inputs, unopened, closeAll
}

func writeNDJSON(w io.Writer, out engine.Outcome) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, e := range out.Evaluations {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// reportProblems prints each rejection and picks the exit status: 2 when no
// input could be read at all, 1 when anything was rejected.
func reportProblems(w io.Writer, out engine.Outcome) error {
	for _, err := range out.Unreadable {
		fmt.Fprintln(w, "trialscout: unreadable:", err)
	}
	for _, r := range out.Rejected {
		fmt.Fprintln(w, "trialscout: rejected:", r.Err)
	}
	switch {
	case out.Mapped+out.Ignored == 0 && (len(out.Unreadable) > 0 || len(out.Rejected) > 0):
		return &exitError{exitUsage, fmt.Errorf("nothing could be read")}
	case len(out.Unreadable) > 0 || len(out.Rejected) > 0:
		return &exitError{code: exitRejected}
	}
	return nil
}
