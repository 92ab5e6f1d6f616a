package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/streams"
)

func newExplainCommand() *cobra.Command {
	var trial string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain PATIENT [--trial ID] [--json]",
		Short: "Print a patient's stored evaluation as a table: criterion, result, reason, evidence",
		Long: `Reads the worker's stored state and prints the patient's last evaluation for each
trial (or one) as a table a coordinator can read, 100 columns wide; --json prints the
evaluations themselves, one per line as eval does. PATIENT is "Patient/123" or "123".
With no NATS URL it reads from the server at ` + defaultURL + `, or, when none
answers there, straight from the embedded server's store (--store-dir, default ./data).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			sess, err := explainSession(cmd.Context(), s)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			defer sess.Close()
			patient := patientRef(args[0])
			st, found, err := streams.ReadState(cmd.Context(), sess.js, streams.Config{}, patient)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			if !found {
				return &exitError{exitUsage, fmt.Errorf("no stored state for %s", patient)}
			}
			return printExplanation(cmd.OutOrStdout(), st, trial, asJSON)
		},
	}
	cmd.Flags().StringVar(&trial, "trial", "", "only this trial")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stored evaluations as JSON, one per line")
	return cmd
}

func explainSession(ctx context.Context, s config.Settings) (*session, error) {
	if s.NATSURL != "" {
		return dial(ctx, s, s.NATSURL, nil)
	}
	c := connConfig(s, defaultURL)
	c.ConnectWithin = time.Second
	if nc, err := streams.Connect(ctx, c); err == nil {
		nc.Close()
		return dial(ctx, s, defaultURL, nil)
	}
	return connectOrEmbed(ctx, s, -1, nil)
}

func printExplanation(w io.Writer, st *streams.State, trial string, asJSON bool) error {
	ids := make([]string, 0, len(st.Evaluations))
	for id := range st.Evaluations {
		if trial == "" || id == trial {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return &exitError{exitUsage, fmt.Errorf("no evaluation of %s for trial %q", st.Patient, trial)}
	}
	sort.Strings(ids)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, id := range ids {
		if asJSON {
			if err := enc.Encode(st.Evaluations[id].Evaluation); err != nil {
				return err
			}
			continue
		}
		writeTable(w, &st.Evaluations[id].Evaluation)
	}
	return nil
}

// tableWidth is the width the explanation fits.
const tableWidth = 100

// writeTable prints one evaluation: a header, then a criterion per row
// (id, kind, result), its reason and evidence wrapped to the table's width.
func writeTable(w io.Writer, ev *evaluator.Evaluation) {
	fmt.Fprintf(w, "%s\ntrial %s, as of %s: %s\n", ev.Patient, ev.Trial, ev.AsOf.Format(time.RFC3339), strings.ToUpper(string(ev.Status)))
	if ev.StatusReason != "" {
		fmt.Fprintln(w, ev.StatusReason)
	}
	if ev.ValidUntil != nil {
		fmt.Fprintf(w, "valid until %s (a result changes then with no new data)\n", ev.ValidUntil.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	idWidth := len("CRITERION")
	for _, c := range ev.Criteria {
		idWidth = max(idWidth, len(c.ID))
	}
	lead := fmt.Sprintf("%%-%ds  %%-4s  %%-7s  ", idWidth)
	indent := strings.Repeat(" ", idWidth+17)
	fmt.Fprintf(w, lead+"%s\n", "CRITERION", "KIND", "RESULT", "REASON / EVIDENCE")
	for _, c := range ev.Criteria {
		kind := "incl"
		if c.Kind == evaluator.Exclusion {
			kind = "excl"
		}
		lines := wrap(c.Reason, tableWidth-len(indent))
		if len(c.Evidence) > 0 {
			lines = append(lines, wrap("evidence: "+strings.Join(c.Evidence, ", "), tableWidth-len(indent))...)
		}
		if len(lines) == 0 {
			lines = []string{""}
		}
		fmt.Fprintf(w, lead+"%s\n", c.ID, kind, c.Result, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintln(w, indent+l)
		}
	}
	fmt.Fprintln(w)
}

// wrap breaks text into lines of at most width bytes, at spaces when it
// can (a word longer than the width is cut).
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		for len(word) > width {
			if cur.Len() > 0 {
				lines, cur = append(lines, cur.String()), strings.Builder{}
			}
			lines, word = append(lines, word[:width]), word[width:]
		}
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			lines, cur = append(lines, cur.String()), strings.Builder{}
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
