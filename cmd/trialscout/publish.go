package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/streams"
)

func newPublishCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "publish FILE...",
		Short: "Publish FHIR R4 resources from files to the input stream (backfill, demos, tests)",
		Long: `Sends every resource of the files (one resource, a Bundle, or NDJSON) to
fhir.r4.<Type>, one message each, with Nats-Msg-Id Type/id/versionId, or
Type/id/sha256:<hash of its content> for a resource without meta.versionId (so that
a correction is a new message and only a true repeat is dropped). Bundles are split;
references that only make sense inside the Bundle (urn:uuid: fullUrls) are rewritten
to Type/id first, and Medications the Bundle holds are contained in the resources
that name them. With no NATS URL it publishes to ` + defaultURL + `. --source names
the FHIR server the files come from (their relative references belong to it).

The summary counts the resources stored, those the server dropped as duplicates
(same id within its duplicate window) and those it refused. Exit status: 0 when
every resource was stored or dropped as a duplicate; 1 when some were rejected
(unreadable) or refused; 2 when none could be sent.`,
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
			sess, err := dial(cmd.Context(), s, url, nil)
			if err != nil {
				return &exitError{exitUsage, fmt.Errorf("%w (is `trialscout run` running?)", err)}
			}
			defer sess.Close()
			if err := streams.EnsureInput(cmd.Context(), sess.js, streamsConfig(s)); err != nil {
				return &exitError{exitUsage, err}
			}
			return publishFiles(cmd, sess, files)
		},
	}
	cmd.Flags().String("source", "", "base URL of the FHIR server the files come from, sent as the Trialscout-Source header (default: the local source)")
	return cmd
}

// publishTally counts what became of each resource.
type publishTally struct {
	stored, duplicates, refused, rejected int
	refusedInRow                          int
}

// maxRefusedInRow stops a publish whose every message is refused: the
// server or the connection is the problem, not the resources.
const maxRefusedInRow = 20

func publishFiles(cmd *cobra.Command, sess *session, files []string) error {
	var t publishTally
	stderr := cmd.ErrOrStderr()
	var stop error
	for _, f := range files {
		if stop = t.publishFile(cmd, sess, f); stop != nil {
			break
		}
	}
	sent := t.stored + t.duplicates + t.refused
	fmt.Fprintf(stderr, "published %d resources from %d files: %d stored, %d dropped by the server as duplicates, %d refused by the server; %d rejected before sending\n",
		sent, len(files), t.stored, t.duplicates, t.refused, t.rejected)
	switch {
	case stop != nil:
		return &exitError{exitUsage, stop}
	case t.stored+t.duplicates == 0 && t.refused+t.rejected > 0:
		return &exitError{exitUsage, errors.New("nothing could be published")}
	case t.refused+t.rejected > 0:
		return &exitError{code: exitRejected}
	}
	return nil
}

// publishFile sends one file's resources; it returns an error only when
// publishing should stop.
func (t *publishTally) publishFile(cmd *cobra.Command, sess *session, f string) error {
	stderr := cmd.ErrOrStderr()
	data, err := os.ReadFile(f)
	if err != nil {
		fmt.Fprintln(stderr, "trialscout: unreadable:", err)
		t.rejected++
		return nil
	}
	parts, errs := streams.SplitFile(data, f)
	source, _ := cmd.Flags().GetString("source")
	for _, e := range errs {
		fmt.Fprintln(stderr, "trialscout: rejected:", e)
		t.rejected++
	}
	for _, p := range parts {
		p.Pos.Source = source
		dup, err := streams.PublishPart(cmd.Context(), sess.js, p)
		switch {
		case errors.Is(err, streams.ErrNotPublishable):
			fmt.Fprintln(stderr, "trialscout: rejected:", err)
			t.rejected++
			continue
		case err != nil:
			fmt.Fprintln(stderr, "trialscout: refused:", err)
			t.refused++
			t.refusedInRow++
			if cmd.Context().Err() != nil || sess.nc.IsClosed() || t.refusedInRow >= maxRefusedInRow {
				return fmt.Errorf("stopped after %d refusals in a row: %w", t.refusedInRow, err)
			}
			continue
		case dup:
			t.duplicates++
		default:
			t.stored++
		}
		t.refusedInRow = 0
		if n := t.stored + t.duplicates; n%1000 == 0 {
			fmt.Fprintf(stderr, "published %d resources...\n", n)
		}
	}
	return nil
}
