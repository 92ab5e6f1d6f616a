package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The catalog is the trial set every worker shares, in the state bucket
// under catalogKey. A trial is decided for a patient only from facts that
// have seen all the input still in the stream: a trial that is new (or
// whose definition changed, or every trial after an upgrade that rebuilds
// the records) is "pending" until the input stream has been replayed for
// it and every patient has been decided; then it is "active". Until then
// no event for it is published.
//
// The latest worker to start sets the trial set. A worker that loads
// another set pauses (it is not ready, and says why): during a rolling
// change, the old workers stop consuming when the first new one starts.
const catalogKey = "catalog"

// catalog is the stored trial set.
type catalog struct {
	Schema int `json:"schema"`
	// Trials is the trial set the latest worker started with: id →
	// fingerprint of its definition.
	Trials map[string]string `json:"trials"`
	// Active are the trials whose every patient has been decided on all
	// the retained input: id → fingerprint.
	Active map[string]string `json:"active"`
	// Replay is the work that makes the other trials active.
	Replay *replayState `json:"replay,omitempty"`
}

// replayState is a replay of the input stream for pending trials, and the
// decisions that follow it. Whoever holds the lease does the work; a lease
// not renewed in time passes to another worker, which goes on from Done.
type replayState struct {
	Trials  []string  `json:"trials"` // ids of the pending trials
	Upto    uint64    `json:"upto"`   // last input sequence to replay
	Done    uint64    `json:"done"`   // replayed up to here
	Phase   string    `json:"phase"`  // "replay", then "decide"
	Owner   string    `json:"owner"`
	Lease   time.Time `json:"lease"`
	Started time.Time `json:"started"`
	// Legacy is set when the records were written by an earlier version:
	// their evaluations are the previous ones, and they are removed after.
	Legacy bool `json:"legacy,omitempty"`
}

const (
	phaseReplay = "replay"
	phaseDecide = "decide"
)

// pending lists the trials of the set that are not active.
func (c *catalog) pending() []string {
	var out []string
	for id, fp := range c.Trials {
		if c.Active[id] != fp {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// same reports whether the catalog's trial set is the given one.
func (c *catalog) same(trials map[string]string) bool { return maps.Equal(c.Trials, trials) }

// readCatalog returns the catalog and its revision (0: none yet).
func readCatalog(ctx context.Context, kv jetstream.KeyValue) (*catalog, uint64, error) {
	e, err := kv.Get(ctx, catalogKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return &catalog{Schema: 1, Trials: map[string]string{}, Active: map[string]string{}}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("trial catalog: %w", err)
	}
	c, err := decodeCatalog(e.Value())
	return c, e.Revision(), err
}

func decodeCatalog(data []byte) (*catalog, error) {
	c := &catalog{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("trial catalog is unreadable: %w", err)
	}
	if c.Trials == nil {
		c.Trials = map[string]string{}
	}
	if c.Active == nil {
		c.Active = map[string]string{}
	}
	return c, nil
}

// writeCatalog writes the catalog if it is still at rev (0: absent).
func writeCatalog(ctx context.Context, kv jetstream.KeyValue, c *catalog, rev uint64) (uint64, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		rev, err = kv.Create(ctx, catalogKey, data)
	} else {
		rev, err = kv.Update(ctx, catalogKey, data, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errConflict
	}
	return rev, err
}

// updateCatalog reads the catalog, lets change modify it, and writes it
// back, again on a concurrent change. change returns false to write
// nothing.
func updateCatalog(ctx context.Context, kv jetstream.KeyValue, change func(c *catalog) (bool, error)) (*catalog, error) {
	for range maxConflicts {
		c, rev, err := readCatalog(ctx, kv)
		if err != nil {
			return nil, err
		}
		write, err := change(c)
		if err != nil || !write {
			return c, err
		}
		if _, err := writeCatalog(ctx, kv, c, rev); !errors.Is(err, errConflict) {
			return c, err
		}
	}
	return nil, fmt.Errorf("trial catalog: %d concurrent changes in a row", maxConflicts)
}

// describeTrials names trials for logs: "a, b".
func describeTrials(ids []string) string {
	ids = slices.Clone(ids)
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}
