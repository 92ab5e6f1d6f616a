package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/streams"
	"github.com/trialscout/trialscout/workspace"
)

func newListCommand() *cobra.Command {
	var trial, status string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --trial ID [--status S] [--json]",
		Short: "List a trial's patients from the stored state, with what keeps each from the next status",
		Long: `Reads every patient's last evaluation from the worker's stored state (record heads only,
in one pass) and lists the trial's patients as the workspace's worklist does: eligible;
candidates, with the decisions still open; incomplete, fewest unknowns first, with
what to obtain; ineligible, with the first criterion that rules the patient out.
--status is eligible, candidate, incomplete or ineligible. --json prints one JSON
object per patient.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if trial == "" {
				return usageError("list: --trial is required")
			}
			if status != "" && !validStatus(status) {
				return usageError("list: --status %q: want eligible, candidate, incomplete or ineligible", status)
			}
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			eng, err := loadEngine(s, nil)
			if err != nil {
				return err
			}
			sess, err := explainSession(cmd.Context(), s)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			defer sess.Close()
			rm := workspace.NewReadModel(trialsOf(eng))
			err = streams.ReadHeads(cmd.Context(), sess.js, streamsConfig(s), func(patient string, evals map[string]*streams.StoredEvaluation) {
				if evals != nil {
					rm.Put(patientState(patient, evals))
				}
			})
			if err != nil {
				return &exitError{exitUsage, err}
			}
			rows, err := worklistRows(rm, trial, evaluator.Status(status))
			if err != nil {
				return &exitError{exitUsage, err}
			}
			if asJSON {
				return writeRowsJSON(cmd.OutOrStdout(), rows)
			}
			writeRows(cmd.OutOrStdout(), rows)
			return nil
		},
	}
	cmd.Flags().StringVar(&trial, "trial", "", "the trial (required)")
	cmd.Flags().StringVar(&status, "status", "", "only patients of this status")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per patient")
	return cmd
}

func validStatus(s string) bool {
	for _, st := range workspace.Statuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

// worklistRows is every page of the trial's worklist.
func worklistRows(rm *workspace.ReadModel, trial string, status evaluator.Status) ([]workspace.Row, error) {
	var rows []workspace.Row
	for page := 1; ; page++ {
		wl, err := rm.Worklist(trial, workspace.WorklistQuery{Status: status, Page: page, PageSize: workspace.MaxPageSize})
		if errors.Is(err, workspace.ErrUnknownTrial) {
			return nil, fmt.Errorf("no trial %q is loaded", trial)
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, wl.Rows...)
		if page >= wl.Pages {
			return rows, nil
		}
	}
}

func writeRowsJSON(w io.Writer, rows []workspace.Row) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// writeRows prints the worklist as a table: patient, status, and what keeps
// the patient from the next status.
func writeRows(w io.Writer, rows []workspace.Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATIENT\tSTATUS\tNEXT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Patient, r.Status, nextStep(r))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d patients\n", len(rows))
}

// nextStep says what keeps a patient from the next status.
func nextStep(r workspace.Row) string {
	switch {
	case r.RuledOutBy != nil:
		return "ruled out by " + r.RuledOutBy.ID + ": " + r.RuledOutBy.Reason
	case len(r.Obtain) > 0:
		return "obtain " + strings.Join(r.Obtain, "; ")
	case len(r.Open) > 0:
		ids := make([]string, len(r.Open))
		for i, o := range r.Open {
			ids[i] = o.ID
		}
		return "decide " + strings.Join(ids, ", ")
	case r.Status == workspace.Eligible:
		return "every criterion decided"
	}
	return ""
}
