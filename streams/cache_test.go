package streams

import (
	"context"
	"testing"

	"github.com/trialscout/trialscout/evaluator"
)

// TestCachedStoreFollowsRevisions: a record this store wrote comes back
// without a decode; once another writer changed it, the new content is read.
func TestCachedStoreFollowsRevisions(t *testing.T) {
	e := startNATS(t)
	ctx := context.Background()
	kv, err := Ensure(ctx, e.js, Config{})
	if err != nil {
		t.Fatal(err)
	}
	other := kvStore{kv}
	cache := newCachedStore(kvStore{kv}, 2)
	const patient = "Patient/c1"

	st := newState(patient)
	st.Evaluations["t"] = &evaluator.Evaluation{Trial: "t", Status: evaluator.Incomplete}
	rev, err := cache.Save(ctx, patient, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, gotRev, err := cache.Load(ctx, patient)
	if err != nil || got != st || gotRev != rev {
		t.Fatalf("Load after Save: %p rev %d (%v), want the saved record %p at rev %d", got, gotRev, err, st, rev)
	}
	if _, err := cache.Save(ctx, patient, got, rev); err != nil {
		t.Fatal(err)
	}

	// Another worker writes the record.
	theirs, theirRev, err := other.Load(ctx, patient)
	if err != nil {
		t.Fatal(err)
	}
	theirs.Evaluations["t"].Status = evaluator.Candidate
	if _, err := other.Save(ctx, patient, theirs, theirRev); err != nil {
		t.Fatal(err)
	}
	got, _, err = cache.Load(ctx, patient)
	if err != nil {
		t.Fatal(err)
	}
	if got == st || got.Evaluations["t"].Status != evaluator.Candidate {
		t.Errorf("Load after another writer: status %s from %p, want the other writer's candidate", got.Evaluations["t"].Status, got)
	}

	// A failed write forgets the record.
	if _, err := cache.Save(ctx, patient, got, 1); err != errConflict {
		t.Fatalf("stale Save: %v, want a conflict", err)
	}
	if cache.lru.Len() != 0 {
		t.Errorf("%d records cached after a failed write, want none", cache.lru.Len())
	}
}
