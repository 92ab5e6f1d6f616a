package streams

import (
	"container/list"
	"sync"
)

// recordCache keeps the records this worker last read or wrote, decoded,
// with their revisions. A record whose head is still at that revision in
// the bucket is not read again: a patient whose data arrives in bursts, or
// whose history is long, costs one read of a small head rather than a read
// and decode of every key. The bucket stays the only truth: a record
// another worker changed has a new head revision and is read as before.
//
// A record is handed out once: take removes it, because the caller changes
// it in place; a commit puts it back at its new revisions. A failed commit
// drops it, since what the bucket holds is then unknown.
type recordCache struct {
	max   int
	mu    sync.Mutex
	byKey map[string]*list.Element
	lru   list.List // of *record, most recent first
}

func newRecordCache(max int) *recordCache {
	return &recordCache{max: max, byKey: map[string]*list.Element{}}
}

// take returns the cached record of key if its head is at rev, and forgets it.
func (c *recordCache) take(key string, rev uint64) *record {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil
	}
	c.lru.Remove(el)
	delete(c.byKey, key)
	if r := el.Value.(*record); r.headRev == rev {
		return r
	}
	return nil
}

func (c *recordCache) put(r *record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[r.key]; ok {
		c.lru.Remove(el)
	}
	c.byKey[r.key] = c.lru.PushFront(r)
	for c.lru.Len() > c.max {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.byKey, oldest.Value.(*record).key)
	}
}

func (c *recordCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.lru.Remove(el)
		delete(c.byKey, key)
	}
}
