package main

import (
	"context"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/trialscout/trialscout/config"
)

// secrets are the passwords and tokens a run was given. Every byte the
// commands write (standard output, standard error and the log) goes
// through scrubbed writers that replace them: a second line of defence
// behind never formatting a secret, for messages from libraries that quote
// what they were given.
type secrets struct {
	mu   sync.RWMutex
	list []string // longest first
}

// minSecret is the shortest secret replaced: shorter ones would garble
// ordinary text, and are not written by trialscout itself either.
const minSecret = 4

func (s *secrets) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) < minSecret {
			continue
		}
		known := false
		for _, k := range s.list {
			known = known || k == v
		}
		if !known {
			s.list = append(s.list, v)
		}
	}
	sort.Slice(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
}

// addSettings adds the secrets of resolved settings.
func (s *secrets) addSettings(st config.Settings) {
	s.add(st.NATSPassword, st.NATSToken, st.UIToken)
	s.add(config.URLSecrets(st.NATSURL)...)
}

// addArgs adds the secrets given by flags or TRIALSCOUT_* variables, before
// any of them is parsed: a malformed value must not be shown either.
func (s *secrets) addArgs(args []string, env map[string]string) {
	s.add(env["TRIALSCOUT_NATS_PASSWORD"], env["TRIALSCOUT_NATS_TOKEN"], env["TRIALSCOUT_UI_TOKEN"])
	s.add(config.URLSecrets(env["TRIALSCOUT_NATS_URL"])...)
	for i, a := range args {
		for _, flag := range []string{"--nats-password", "--nats-token", "--nats-url", "--ui-token"} {
			v, ok := strings.CutPrefix(a, flag+"=")
			if !ok && a == flag && i+1 < len(args) {
				v, ok = args[i+1], true
			}
			if !ok {
				continue
			}
			if flag == "--nats-url" {
				s.add(config.URLSecrets(v)...)
			} else {
				s.add(v)
			}
		}
	}
}

func (s *secrets) scrub(p []byte) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := string(p)
	for _, v := range s.list {
		out = strings.ReplaceAll(out, v, "xxxxx")
	}
	return []byte(out)
}

// writer wraps w so that what goes through it is scrubbed.
func (s *secrets) writer(w io.Writer) io.Writer { return &scrubbed{w: w, s: s} }

type scrubbed struct {
	w io.Writer
	s *secrets
}

func (sw *scrubbed) Write(p []byte) (int, error) {
	if _, err := sw.w.Write(sw.s.scrub(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Sync is for zap: writes are not buffered here.
func (sw *scrubbed) Sync() error { return nil }

type secretsKey struct{}

func withSecrets(ctx context.Context, s *secrets) context.Context {
	return context.WithValue(ctx, secretsKey{}, s)
}

// secretsOf returns the run's secrets (an empty set outside execute).
func secretsOf(ctx context.Context) *secrets {
	if s, ok := ctx.Value(secretsKey{}).(*secrets); ok {
		return s
	}
	return &secrets{}
}
