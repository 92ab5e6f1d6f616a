package streams

import (
	"container/list"
	"sync"
)

// recordCache keeps the records this worker last read or wrote, decoded,
// with their revisions. The worker's watch of the record heads (the one
// that keeps the schedule) tells it of every later write, by any worker; a
// record no write has passed is used as it is, without a read: a patient
// whose data arrives in bursts, or whose history is long, costs no round
// trip to the server. The bucket stays the only truth: a write the watch
// has not shown yet makes the next compare-and-set fail, and the record is
// read again.
//
// A record is handed out once: take removes it, because the caller changes
// it in place; a commit puts it back at its new revisions. A record that is
// not put back (a failed commit) is dropped, since what the bucket holds is
// then unknown.
type recordCache struct {
	max   int
	mu    sync.Mutex
	byKey map[string]*cacheEntry
	lru   list.List // of *cacheEntry holding a record, most recent first
}

// cacheEntry is a key the cache knows: its record (nil while a caller has
// it), and the newest head revision the watch showed.
type cacheEntry struct {
	key  string
	rec  *record
	seen uint64
	el   *list.Element // in lru while rec is set
}

func newRecordCache(max int) *recordCache {
	return &recordCache{max: max, byKey: map[string]*cacheEntry{}}
}

// take returns the cached record of key, unless a newer head was seen; the
// key stays known (saw still counts writes) until the record comes back.
func (c *recordCache) take(key string) *record {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok || e.rec == nil {
		return nil
	}
	r := e.rec
	c.lru.Remove(e.el)
	e.rec, e.el = nil, nil
	if e.seen > r.headRev {
		delete(c.byKey, key)
		return nil
	}
	return r
}

// put keeps r, unless a newer head of it was seen meanwhile or a newer copy
// is kept already.
func (c *recordCache) put(r *record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[r.key]
	if !ok {
		e = &cacheEntry{key: r.key}
		c.byKey[r.key] = e
	}
	if e.seen > r.headRev || (e.rec != nil && e.rec.headRev > r.headRev) {
		if e.rec == nil {
			delete(c.byKey, r.key)
		}
		return
	}
	if e.el != nil {
		c.lru.Remove(e.el)
	}
	e.rec, e.el = r, c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		oldest := c.lru.Back().Value.(*cacheEntry)
		c.lru.Remove(oldest.el)
		delete(c.byKey, oldest.key)
	}
}

// saw notes a write of a head at rev, seen by the watch: a cached record
// older than it is dropped.
func (c *recordCache) saw(key string, rev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok || rev <= e.seen {
		return
	}
	e.seen = rev
	if e.rec != nil && e.rec.headRev < rev {
		c.lru.Remove(e.el)
		delete(c.byKey, key)
	}
}

// drop forgets key.
func (c *recordCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		if e.el != nil {
			c.lru.Remove(e.el)
		}
		delete(c.byKey, key)
	}
}

// takeExact removes r from the cache if r is what it holds for r's key.
func (c *recordCache) takeExact(r *record) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[r.key]
	if !ok || e.rec != r {
		return false
	}
	c.lru.Remove(e.el)
	e.rec, e.el = nil, nil
	return true
}
