package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/trialscout/trialscout/internal/testnats"
)

// TestSecretsNeverShown feeds malformed URLs (a space, a bad % escape, a
// comma in the password, a token with a space) and well-formed ones with
// wrong passwords and tokens, by flag, variable and config file, through
// every command that takes them, at debug level, and finds no secret, nor
// a piece of one, in standard output, standard error or the log.
func TestSecretsNeverShown(t *testing.T) {
	srv := testnats.Start(t, &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		Username: "scout", Password: "right-password", NoSigs: true, NoLog: true})
	hostPort := strings.TrimPrefix(srv.ClientURL(), "nats://")
	dir := t.TempDir()
	resource := writeFile(t, dir, "a.json", patientA)
	type secretCase struct {
		name    string
		env     map[string]string
		args    []string
		secrets []string
	}
	var cases []secretCase
	urls := []struct{ url, secret string }{
		{"nats://scout:hunter two-1@" + hostPort, "hunter two-1"},
		{"nats://scout:hunter%zztwo-2@" + hostPort, "hunter%zztwo-2"},
		{"nats://scout:hunter,two-3@" + hostPort, "hunter,two-3"},
		{"nats://127.0.0.1:1,nats://scout:hunter,two-4@" + hostPort, "hunter,two-4"},
		{"nats://tok3n w1th-sp4ce-5@" + hostPort, "tok3n w1th-sp4ce-5"},
		{"nats://scout:wrong-hunter-6@" + hostPort, "wrong-hunter-6"},
		{"nats://wrong-token-7@" + hostPort, "wrong-token-7"},
	}
	for _, u := range urls {
		cases = append(cases,
			secretCase{"flag " + u.url, nil, []string{"--nats-url", u.url}, []string{u.secret}},
			secretCase{"variable " + u.url, map[string]string{"TRIALSCOUT_NATS_URL": u.url}, nil, []string{u.secret}},
			secretCase{"file " + u.url, nil, []string{"--config", writeFile(t, t.TempDir(), "c.yaml", "nats_url: '"+u.url+"'\n")}, []string{u.secret}})
	}
	cases = append(cases,
		secretCase{"password flag, malformed URL", nil, []string{"--nats-url", "nats://" + hostPort + "/%zz", "--nats-user", "scout", "--nats-password", "flag-hunter-8"}, []string{"flag-hunter-8"}},
		secretCase{"password variable", map[string]string{"TRIALSCOUT_NATS_URL": srv.ClientURL(), "TRIALSCOUT_NATS_USER": "scout", "TRIALSCOUT_NATS_PASSWORD": "env-hunter-9"}, nil, []string{"env-hunter-9"}},
		secretCase{"token flag", nil, []string{"--nats-url", "nats://" + hostPort + " x", "--nats-token", "flag-token-10"}, []string{"flag-token-10"}},
		secretCase{"password in the file", nil, []string{"--config", writeFile(t, dir, "p.yaml", "nats_url: nats://"+hostPort+"\nnats_user: scout\nnats_password: 'file,hunter 11'\n")}, []string{"file,hunter 11"}},
	)
	commands := [][]string{
		{"run", "--http", "off", "--ui", "off", "--log-level", "debug"},
		{"publish", resource},
		{"explain", "Patient/a"},
		{"eval", resource},
		{"demo", "--samples", t.TempDir()},
	}
	for _, c := range cases {
		for _, command := range commands {
			t.Run(c.name+" "+command[0], func(t *testing.T) {
				for _, k := range []string{"TRIALSCOUT_NATS_URL", "TRIALSCOUT_NATS_USER", "TRIALSCOUT_NATS_PASSWORD", "TRIALSCOUT_NATS_TOKEN"} {
					t.Setenv(k, c.env[k]) // restored when the test ends
					if _, ok := c.env[k]; !ok {
						os.Unsetenv(k)
					}
				}
				t.Chdir(t.TempDir()) // an embedded server's ./data stays out of the tree
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				var out, errOut strings.Builder
				args := append(append([]string{}, command...), c.args...)
				code := execute(ctx, args, strings.NewReader(""), &out, &errOut)
				if ctx.Err() != nil {
					t.Fatalf("%v did not return within a minute", args)
				}
				all := out.String() + errOut.String()
				for _, secret := range c.secrets {
					for _, piece := range pieces(secret) {
						if strings.Contains(all, piece) {
							t.Errorf("exit %d: output shows %q of the secret:\n%s", code, piece, all)
						}
					}
				}
			})
		}
	}
}

// pieces are a secret and its parts between the characters that can split
// it (a comma splits a URL list, a space or % ends a parse error's quote),
// those of at least four characters.
func pieces(secret string) []string {
	out := []string{secret}
	for _, p := range strings.FieldsFunc(secret, func(r rune) bool { return r == ',' || r == ' ' || r == '%' }) {
		if len(p) >= 4 && p != secret {
			out = append(out, p)
		}
	}
	return out
}

func TestSecretsScrubbed(t *testing.T) {
	s := &secrets{}
	s.addArgs([]string{"run", "--nats-password=abcd-1234", "--nats-token", "tok-5678", "--nats-url", "nats://u:p%40ss-word@h"}, map[string]string{"TRIALSCOUT_NATS_PASSWORD": "env-9999", "TRIALSCOUT_NATS_TOKEN": "xy"})
	var b strings.Builder
	w := s.writer(&b)
	line := "abcd-1234 tok-5678 p%40ss-word p@ss-word env-9999 xy\n"
	if n, err := w.Write([]byte(line)); n != len(line) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got, want := b.String(), "xxxxx xxxxx xxxxx xxxxx xxxxx xy\n"; got != want {
		t.Errorf("scrubbed %q, want %q (secrets under 4 characters are left)", got, want)
	}
}
