package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/trialscout/trialscout/workspace"
)

func newUserCommand() *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Manage the workspace's users file (ui_users)"}
	user.AddCommand(&cobra.Command{
		Use:   "add FILE USER",
		Short: "Add a user to the workspace's users file, or set their password",
		Long: `Asks for the password (twice, without echo, on a terminal; one line on standard input
otherwise) and writes USER:<bcrypt hash> into FILE, creating it with mode 0600 or
replacing the user's line. Point ui_users (--ui-users) at the file.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return usageError("user add: %v", err)
			}
			if err := workspace.SetUser(args[0], args[1], password); err != nil {
				return usageError("user add: %v", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s set in %s\n", args[1], args[0])
			return nil
		},
	})
	return user
}

// readPassword reads a password twice without echo from a terminal, or
// once, as a line, from anything else.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprint(prompt, "\nagain: ")
		if err != nil {
			return "", err
		}
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if line = strings.TrimRight(line, "\r\n"); line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
