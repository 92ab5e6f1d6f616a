package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/evaluator"
	"github.com/trialscout/trialscout/fhirmap"
	"github.com/trialscout/trialscout/streams"
)

func newDecideCommand() *cobra.Command {
	var d fhirmap.DecisionInput
	cmd := &cobra.Command{
		Use:   "decide PATIENT --trial ID --criterion C --result met|not_met --reason TEXT --by USER [--withdraw]",
		Short: "Record a person's decision on a criterion (or withdraw it) as a FHIR resource on the input stream",
		Long: `Records what the protocol leaves to a person (consent, an investigator's judgement), or
an override of an automated result with its reason, as a FHIR R4 Observation with
trialscout's decision code, published on the input stream like any resource: durable,
ordered, replayed, and read by eval too. A later decision on the same criterion
replaces the earlier one; --withdraw takes it back. The worker then decides the
patient again; a patient whose every criterion is decided in their favour is eligible.
PATIENT is "Patient/123" or "123". With no NATS URL it publishes to ` + defaultURL + `.`,
		Example: `  trialscout decide Patient/p1 --trial sle-refractory --criterion I1 --result met --reason "consent signed 2026-11-03" --by ana
  trialscout decide p1 --trial sle-refractory --criterion I8.anc --result not_met --reason "sample haemolysed" --by dr.okafor
  trialscout decide p1 --trial sle-refractory --criterion I1 --withdraw --by ana`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d.Patient = patientRef(args[0])
			if err := checkDecideFlags(&d); err != nil {
				return err
			}
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			eng, err := loadEngine(s, nil)
			if err != nil {
				return err
			}
			if err := checkCriterion(trialsOf(eng), d.Trial, d.Criterion); err != nil {
				return usageError("decide: %v", err)
			}
			d.At = time.Now().UTC()
			url := s.NATSURL
			if url == "" {
				url = defaultURL
			}
			sess, err := dial(cmd.Context(), s, url, nil)
			if err != nil {
				return &exitError{exitUsage, fmt.Errorf("%w (is `trialscout run` running?)", err)}
			}
			defer sess.Close()
			if err := streams.EnsureInput(cmd.Context(), sess.js, streamsConfig(s)); err != nil {
				return &exitError{exitUsage, err}
			}
			if err := publishDecision(cmd.Context(), sess.js, d); err != nil {
				return &exitError{exitUsage, err}
			}
			what := "recorded"
			if d.Withdraw {
				what = "withdrawn"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "decision %s: %s %s of %s for %s (%s)\n", what, d.Trial, d.Criterion, d.Result, d.Patient,
				"Observation/"+fhirmap.DecisionID(d.Patient, d.Trial, d.Criterion))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&d.Trial, "trial", "", "the trial (required)")
	f.StringVar(&d.Criterion, "criterion", "", "the criterion's id, e.g. I1 (required)")
	f.StringVar(&d.Result, "result", "", "met or not_met (required unless --withdraw)")
	f.StringVar(&d.Reason, "reason", "", "why (required unless --withdraw)")
	f.StringVar(&d.By, "by", "", "who decides (required)")
	f.BoolVar(&d.Withdraw, "withdraw", false, "take back the decision on the criterion")
	return cmd
}

// patientRef reads "Patient/123", an absolute reference, or a bare id.
func patientRef(s string) string {
	if strings.HasPrefix(s, "Patient/") || strings.Contains(s, "/Patient/") {
		return s
	}
	return "Patient/" + s
}

func checkDecideFlags(d *fhirmap.DecisionInput) error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"--trial", d.Trial}, {"--criterion", d.Criterion}, {"--by", d.By}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if !d.Withdraw {
		if d.Result != "met" && d.Result != "not_met" {
			return usageError("decide: --result %q: want met or not_met", d.Result)
		}
		if strings.TrimSpace(d.Reason) == "" {
			missing = append(missing, "--reason")
		}
	}
	if len(missing) > 0 {
		return usageError("decide: %s required", strings.Join(missing, ", "))
	}
	return nil
}

// checkCriterion says when the trial is not loaded or has no such criterion.
func checkCriterion(trials []evaluator.Trial, trial, criterion string) error {
	for _, t := range trials {
		if t.ID != trial {
			continue
		}
		var ids []string
		for _, c := range t.Criteria {
			if c.ID == criterion {
				return nil
			}
			ids = append(ids, c.ID)
		}
		return fmt.Errorf("trial %s has no criterion %q (it has %s)", trial, criterion, strings.Join(ids, ", "))
	}
	return fmt.Errorf("no trial %q is loaded", trial)
}
