package middleware

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRevocationCapacity bounds a MemoryRevocation: live revocations of
// all kinds together.
const DefaultRevocationCapacity = 100_000

// MemoryRevocation is the in-process Revoker: maps of live revocations,
// bounded in number (and each identifier in size, MaxRevocationIDSize),
// forgotten when their until passes. It is safe for concurrent use and
// starts no goroutine. Check never fails and, while nothing is revoked,
// costs one atomic load. A service with several replicas needs a shared
// list (adapters/redisguard).
type MemoryRevocation struct {
	mu       sync.RWMutex
	jtis     map[string]int64 // until, unix nanoseconds
	clients  map[string]int64
	subjects map[string][]subjectRevocation
	n        int          // entries in the three maps
	live     atomic.Int64 // n, read without the lock
	capacity int
	nextExp  int64 // at most the earliest until: sweeping before frees nothing
	now      func() time.Time
}

// subjectRevocation is one RevokeSubject: tokens of the subject issued
// before before are revoked until until (unix nanoseconds).
type subjectRevocation struct{ before, until int64 }

// NewMemoryRevocation returns an empty list holding at most capacity live
// revocations (DefaultRevocationCapacity when capacity <= 0). Past it the
// Revoke methods return ErrRevocationFull.
func NewMemoryRevocation(capacity int) *MemoryRevocation {
	if capacity <= 0 {
		capacity = DefaultRevocationCapacity
	}
	return &MemoryRevocation{
		jtis: map[string]int64{}, clients: map[string]int64{}, subjects: map[string][]subjectRevocation{},
		capacity: capacity, nextExp: 1<<63 - 1, now: time.Now,
	}
}

// Check implements Revocation.
func (m *MemoryRevocation) Check(_ context.Context, q RevocationQuery) (bool, error) {
	if m.live.Load() == 0 {
		return false, nil
	}
	now := m.now().UnixNano()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if q.JTI != "" {
		if u, ok := m.jtis[q.JTI]; ok && u > now {
			return true, nil
		}
	}
	if q.ClientID != "" {
		if u, ok := m.clients[q.ClientID]; ok && u > now {
			return true, nil
		}
	}
	if q.Sub != "" {
		for _, s := range m.subjects[q.Sub] {
			if s.until > now && (q.IssuedAt.IsZero() || q.IssuedAt.UnixNano() < s.before) {
				return true, nil
			}
		}
	}
	return false, nil
}

// RevokeJTI implements Revoker.
func (m *MemoryRevocation) RevokeJTI(_ context.Context, jti string, until time.Time) error {
	return m.revoke(m.jtis, "jti", jti, until)
}

// RevokeClient implements Revoker.
func (m *MemoryRevocation) RevokeClient(_ context.Context, clientID string, until time.Time) error {
	return m.revoke(m.clients, "client_id", clientID, until)
}

// RevokeSubject implements Revoker.
func (m *MemoryRevocation) RevokeSubject(_ context.Context, sub string, before, until time.Time) error {
	if err := checkRevocationID("sub", sub); err != nil {
		return err
	}
	now, u, b := m.now().UnixNano(), until.UnixNano(), before.UnixNano()
	if u <= now {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.subjects[sub]
	for _, s := range list {
		if s.until > now && s.before >= b && s.until >= u {
			return nil // an entry that covers this one already
		}
	}
	live := list[:0]
	for _, s := range list {
		if s.until <= now || s.before <= b && s.until <= u {
			m.n-- // expired, or covered by the new one
			continue
		}
		live = append(live, s)
	}
	if err := m.makeRoom(now); err != nil {
		if len(live) == 0 {
			delete(m.subjects, sub)
		} else {
			m.subjects[sub] = live
		}
		m.live.Store(int64(m.n))
		return err
	}
	m.subjects[sub] = append(live, subjectRevocation{before: b, until: u})
	m.added(u)
	return nil
}

func (m *MemoryRevocation) revoke(set map[string]int64, what, id string, until time.Time) error {
	if err := checkRevocationID(what, id); err != nil {
		return err
	}
	now, u := m.now().UnixNano(), until.UnixNano()
	if u <= now {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := set[id]; ok {
		if old > now {
			set[id] = max(old, u)
			m.nextExp = min(m.nextExp, set[id])
			return nil
		}
		delete(set, id)
		m.n--
	}
	if err := m.makeRoom(now); err != nil {
		m.live.Store(int64(m.n))
		return err
	}
	set[id] = u
	m.added(u)
	return nil
}

func (m *MemoryRevocation) added(until int64) {
	m.n++
	m.live.Store(int64(m.n))
	m.nextExp = min(m.nextExp, until)
}

// makeRoom sweeps expired entries when the list is full; it fails when it
// is still full of live ones.
func (m *MemoryRevocation) makeRoom(now int64) error {
	if m.n < m.capacity {
		return nil
	}
	if now >= m.nextExp {
		m.sweep(now)
	}
	if m.n >= m.capacity {
		return ErrRevocationFull
	}
	return nil
}

func (m *MemoryRevocation) sweep(now int64) {
	next := int64(1<<63 - 1)
	for _, set := range []map[string]int64{m.jtis, m.clients} {
		for id, u := range set {
			if u <= now {
				delete(set, id)
				m.n--
			} else {
				next = min(next, u)
			}
		}
	}
	for sub, list := range m.subjects {
		live := list[:0]
		for _, s := range list {
			if s.until <= now {
				m.n--
			} else {
				live = append(live, s)
				next = min(next, s.until)
			}
		}
		if len(live) == 0 {
			delete(m.subjects, sub)
		} else {
			m.subjects[sub] = live
		}
	}
	m.nextExp = next
	m.live.Store(int64(m.n))
}

func checkRevocationID(what, id string) error {
	switch {
	case id == "":
		return errors.New("middleware: revoking an empty " + what)
	case len(id) > MaxRevocationIDSize:
		return errors.New("middleware: the " + what + " to revoke is longer than MaxRevocationIDSize")
	}
	return nil
}
