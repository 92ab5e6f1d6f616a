package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/trialscout/trialscout/config"
)

// Exit statuses, as the contract fixes them.
const (
	exitOK       = 0
	exitRejected = 1 // some input was rejected; the rest was processed
	exitUsage    = 2 // usage error, or nothing could be read
)

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// execute runs the command line and returns the exit status.
// Everything it writes goes through writers that hide the secrets it was
// given (see secrets).
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sec := &secrets{}
	sec.addArgs(args, config.Environ())
	stdout, stderr = sec.writer(stdout), sec.writer(stderr)
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(withSecrets(ctx, sec))
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != exitRejected {
			fmt.Fprintln(stderr, "trialscout:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "trialscout:", err)
	return exitUsage // cobra's own errors are usage errors (unknown flag, missing argument)
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "trialscout",
		Short:         "Find patients for clinical trials as their FHIR data arrives",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	addSettingFlags(root)
	root.AddCommand(newEvalCommand(), newRunCommand(), newPublishCommand(), newDemoCommand(), newExplainCommand(), newListCommand(), newDecideCommand(), newUserCommand(), newBenchCommand())
	return root
}
