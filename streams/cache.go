package streams

import (
	"container/list"
	"context"
	"sync"
)

// cachedStore keeps the records this worker last read or wrote, decoded,
// with their revisions. A record still at that revision in the bucket is
// not decoded again: a patient whose data arrives in bursts, or whose
// record is large, costs one read of the bytes rather than a JSON decode
// per message. The bucket stays the only truth: a record another worker
// changed has a new revision and is decoded as before.
//
// A record is handed out once: Load takes it out of the cache, because the
// caller changes it in place; Save puts it back at its new revision. A
// failed Save drops it, since what the bucket holds is then unknown.
type cachedStore struct {
	StateStore
	kv  revisionReader
	max int

	mu    sync.Mutex
	byKey map[string]*list.Element
	lru   list.List // of *cacheEntry, most recent first
}

// revisionReader reads a record's raw bytes and revision.
type revisionReader interface {
	raw(ctx context.Context, patient string) (data []byte, rev uint64, err error)
	decode(patient string, data []byte, rev uint64) (*State, error)
}

type cacheEntry struct {
	patient string
	rev     uint64
	st      *State
}

func newCachedStore(kv kvStore, max int) *cachedStore {
	return &cachedStore{StateStore: kv, kv: kv, max: max, byKey: map[string]*list.Element{}}
}

func (c *cachedStore) Load(ctx context.Context, patient string) (*State, uint64, error) {
	data, rev, err := c.kv.raw(ctx, patient)
	if err != nil || rev == 0 {
		return newState(patient), 0, err
	}
	if st := c.take(patient, rev); st != nil {
		return st, rev, nil
	}
	st, err := c.kv.decode(patient, data, rev)
	return st, rev, err
}

func (c *cachedStore) Save(ctx context.Context, patient string, st *State, rev uint64) (uint64, error) {
	newRev, err := c.StateStore.Save(ctx, patient, st, rev)
	if err != nil {
		c.drop(patient)
		return 0, err
	}
	c.put(patient, newRev, st)
	return newRev, nil
}

func (c *cachedStore) Unchanged(patient string, st *State, rev uint64) {
	if rev != 0 {
		c.put(patient, rev, st)
	}
}

// take returns the cached record if it is at rev, and forgets it.
func (c *cachedStore) take(patient string, rev uint64) *State {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[patient]
	if !ok {
		return nil
	}
	c.lru.Remove(el)
	delete(c.byKey, patient)
	if e := el.Value.(*cacheEntry); e.rev == rev {
		return e.st
	}
	return nil
}

func (c *cachedStore) put(patient string, rev uint64, st *State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[patient]; ok {
		c.lru.Remove(el)
	}
	c.byKey[patient] = c.lru.PushFront(&cacheEntry{patient, rev, st})
	for c.lru.Len() > c.max {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cacheEntry).patient)
	}
}

func (c *cachedStore) drop(patient string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[patient]; ok {
		c.lru.Remove(el)
		delete(c.byKey, patient)
	}
}
