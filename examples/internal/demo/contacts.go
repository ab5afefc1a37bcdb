package demo

import (
	"slices"
	"strings"
	"sync"
)

// Contact is one entry of the demo's address book.
type Contact struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Store is the demo's in-memory address book. It is safe for concurrent
// use.
type Store struct {
	mu       sync.Mutex
	contacts map[string]Contact
	audit    []AuditEntry
}

// AuditEntry is one change of the address book, for GET /api/audit.
type AuditEntry struct {
	Action string `json:"action"` // "delete"
	ID     string `json:"id"`     // the contact's id
}

// NewStore returns a store holding three contacts, ids "1" to "3".
func NewStore() *Store {
	s := &Store{contacts: map[string]Contact{}}
	for _, c := range []Contact{
		{"1", "Ada Lovelace", "ada@example.com"},
		{"2", "Alan Turing", "alan@example.com"},
		{"3", "Grace Hopper", "grace@example.com"},
	} {
		s.contacts[c.ID] = c
	}
	return s
}

// List returns the contacts ordered by id; never nil.
func (s *Store) List() []Contact {
	s.mu.Lock()
	out := make([]Contact, 0, len(s.contacts))
	for _, c := range s.contacts {
		out = append(out, c)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Contact) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Delete removes the contact id and reports whether it existed; a
// deletion is recorded in the audit log.
func (s *Store) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.contacts[id]
	delete(s.contacts, id)
	if ok {
		s.audit = append(s.audit, AuditEntry{Action: "delete", ID: id})
	}
	return ok
}

// Audit returns the audit log, oldest first; never nil.
func (s *Store) Audit() []AuditEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]AuditEntry{}, s.audit...)
}
