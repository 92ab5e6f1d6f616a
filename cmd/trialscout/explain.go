package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/streams"
)

func newExplainCommand() *cobra.Command {
	var trial string
	cmd := &cobra.Command{
		Use:   "explain PATIENT [--trial ID]",
		Short: "Print a patient's stored evaluation as a table: criterion, result, reason, evidence",
		Long: `Reads the worker's stored state and prints the patient's last evaluation for each
trial (or one) as a table a coordinator can read. PATIENT is "Patient/123" or "123".
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
			patient := args[0]
			if !strings.HasPrefix(patient, "Patient/") {
				patient = "Patient/" + patient
			}
			st, found, err := streams.ReadState(cmd.Context(), sess.js, streams.Config{}, patient)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			if !found {
				return &exitError{exitUsage, fmt.Errorf("no stored state for %s", patient)}
			}
			return printExplanation(cmd.OutOrStdout(), st, trial)
		},
	}
	cmd.Flags().StringVar(&trial, "trial", "", "only this trial")
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

func printExplanation(w io.Writer, st *streams.State, trial string) error {
	ids := make([]string, 0, len(st.Evaluations))
	for id := range st.Evaluations {
		if trial == "" || id == trial {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return &exitError{exitUsage, fmt.Errorf("no evaluation of %s for trial %q", st.Facts.ID, trial)}
	}
	sort.Strings(ids)
	for _, id := range ids {
		writeTable(w, &st.Evaluations[id].Evaluation)
	}
	return nil
}

func writeTable(w io.Writer, ev *evaluator.Evaluation) {
	fmt.Fprintf(w, "%s  trial %s  as of %s  status %s\n", ev.Patient, ev.Trial, ev.AsOf.Format(time.RFC3339), strings.ToUpper(string(ev.Status)))
	if ev.ValidUntil != nil {
		fmt.Fprintf(w, "valid until %s (a result changes then with no new data)\n", ev.ValidUntil.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CRITERION\tKIND\tRESULT\tREASON\tEVIDENCE")
	for _, c := range ev.Criteria {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.Result, c.Reason, strings.Join(c.Evidence, ", "))
	}
	tw.Flush()
	fmt.Fprintln(w)
}
