// Package ttlcache is the one shape of patrolmap's short caches: a bounded map whose entries
// expire a fixed time after they were put, with a generation counter so that a lookup that
// raced with a change cannot put back what the change forgot.
//
// The clock is a parameter of every call that reads or writes an expiry. A typical use:
//
//	v, ok := c.Get(k, now)
//	if !ok {
//		gen := c.Gen() // before reading the source
//		v = read(k)
//		c.Put(k, v, gen, now)
//	}
package ttlcache

import (
	"sync"
	"time"
)

// Cache maps keys to values for ttl after each Put. It holds at most max entries: a Put that
// finds it full first drops the expired entries and, if that frees nothing, all of them. Safe
// for concurrent use.
type Cache[K comparable, V any] struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	gen uint64
	m   map[K]entry[V]
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns an empty cache whose entries live for ttl, holding at most max of them (at least
// one).
func New[K comparable, V any](ttl time.Duration, size int) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, max: max(size, 1), m: map[K]entry[V]{}}
}

// Get returns the value of k if it was put less than ttl before now. An expired entry is
// dropped.
func (c *Cache[K, V]) Get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && now.Before(e.expires) {
		return e.value, true
	}
	if ok {
		delete(c.m, k)
	}
	var zero V
	return zero, false
}

// Gen returns the generation to hand to Put: take it before reading what will be put, so that
// a Forget or ForgetAll in between makes that Put a no-op.
func (c *Cache[K, V]) Gen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Put remembers v for k until ttl after now, unless something was forgotten since gen.
func (c *Cache[K, V]) Put(k K, v V, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for key, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = entry[V]{value: v, expires: now.Add(c.ttl)}
}

// Forget drops the entries whose value matches; lookups in flight will not put theirs back.
func (c *Cache[K, V]) Forget(match func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if match(e.value) {
			delete(c.m, k)
		}
	}
}

// ForgetAll drops every entry; lookups in flight will not put theirs back.
func (c *Cache[K, V]) ForgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// Len returns how many entries the cache holds, expired ones included.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
