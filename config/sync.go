package config

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// SyncPolicy is when the embedded NATS server syncs JetStream writes to
// disk: "always" (the zero value, the default), each write before it is
// acknowledged; or an interval ("1s", "2m"), when writes reach the disk at
// the latest. With an interval a crash of the process loses nothing (the
// writes are in the operating system's cache), a crash of the machine up
// to one interval of input, records and events.
type SyncPolicy time.Duration

// SyncAlways syncs every write.
const SyncAlways SyncPolicy = 0

// ParseSyncPolicy reads "always" or an interval.
func ParseSyncPolicy(s string) (SyncPolicy, error) {
	t := strings.TrimSpace(s)
	if t == "" || strings.EqualFold(t, "always") {
		return SyncAlways, nil
	}
	d, err := ParseDuration(t)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want always, or an interval such as 1s or 2m", s)
	}
	return SyncPolicy(d), nil
}

// UnmarshalYAML reads "always" or an interval.
func (p *SyncPolicy) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSyncPolicy(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: nats_sync %w", n.Line, err)
	}
	*p = v
	return nil
}

// Always reports whether every write is synced.
func (p SyncPolicy) Always() bool { return p == SyncAlways }

func (p SyncPolicy) String() string {
	if p.Always() {
		return "always"
	}
	return time.Duration(p).String()
}
