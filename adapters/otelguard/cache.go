package otelguard

import (
	"sync"
	"sync/atomic"
)

// cache is a copy-on-write map for a small, bounded set of keys that are
// read on every event and written once each: reads take no lock and do not
// allocate (unlike sync.Map, which boxes a struct key).
type cache[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex // serializes writers
}

func (c *cache[K, V]) load(k K) (V, bool) {
	if m := c.m.Load(); m != nil {
		v, ok := (*m)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// loadOrStore returns the value of k, storing mk() first when k is new.
func (c *cache[K, V]) loadOrStore(k K, mk func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
	}
	next := make(map[K]V, 1)
	if old != nil {
		for kk, vv := range *old {
			next[kk] = vv
		}
	}
	v := mk()
	next[k] = v
	c.m.Store(&next)
	return v
}
