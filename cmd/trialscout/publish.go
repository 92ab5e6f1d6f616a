package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/streams"
)

func newPublishCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "publish FILE...",
		Short: "Publish FHIR R4 resources from files to the input stream (backfill, demos, tests)",
		Long: `Sends every resource of the files (one resource, a Bundle, or NDJSON) to
fhir.r4.<Type>, one message each, with Nats-Msg-Id Type/id/versionId. Bundles are
split; references that only make sense inside the Bundle (urn:uuid: fullUrls) are
rewritten to Type/id first, and Medications the Bundle holds are contained in the
resources that name them. With no NATS URL it publishes to ` + defaultURL + `.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			s, err := loadSettings(cmd)
			if err != nil {
				return err
			}
			url := s.NATSURL
			if url == "" {
				url = defaultURL
			}
			sess, err := dial(cmd.Context(), s, url)
			if err != nil {
				return &exitError{exitUsage, fmt.Errorf("%w (is `trialscout run` running?)", err)}
			}
			defer sess.Close()
			if err := streams.EnsureInput(cmd.Context(), sess.js, streams.Config{NoCreate: s.NoCreate}); err != nil {
				return &exitError{exitUsage, err}
			}
			return publishFiles(cmd, sess, files)
		},
	}
}

func publishFiles(cmd *cobra.Command, sess *session, files []string) error {
	sent, failed := 0, 0
	stderr := cmd.ErrOrStderr()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(stderr, "trialscout: unreadable:", err)
			failed++
			continue
		}
		parts, errs := streams.SplitFile(data, f)
		for _, e := range errs {
			fmt.Fprintln(stderr, "trialscout: rejected:", e)
			failed++
		}
		for _, p := range parts {
			if err := streams.PublishPart(cmd.Context(), sess.js, p); err != nil {
				return &exitError{exitUsage, err}
			}
			sent++
			if sent%1000 == 0 {
				fmt.Fprintf(stderr, "published %d resources...\n", sent)
			}
		}
	}
	fmt.Fprintf(stderr, "published %d resources from %d files\n", sent, len(files))
	switch {
	case sent == 0 && failed > 0:
		return &exitError{exitUsage, fmt.Errorf("nothing could be published")}
	case failed > 0:
		return &exitError{code: exitRejected}
	}
	return nil
}
