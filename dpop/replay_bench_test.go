package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"
)

// BenchmarkMemoryReplayStore is the replay check of one proof in steady
// state: 1000 client keys, a clock advancing 1 ms a proof, each proof
// remembered 71 s (the default window and skew), so about 71 000 live
// entries and one expiring per proof.
func BenchmarkMemoryReplayStore(b *testing.B) {
	s := NewMemoryReplayStore(0)
	now := time.Unix(1_900_000_000, 0)
	s.now = func() time.Time { return now }
	ctx := context.Background()
	var keys [1000][32]byte
	for i := range keys {
		keys[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8)})
	}
	var n uint64
	b.ReportAllocs()
	for b.Loop() {
		n++
		now = now.Add(time.Millisecond)
		var id [32]byte
		binary.LittleEndian.PutUint64(id[:], n)
		if _, err := s.Seen(ctx, ReplayEntry{ID: id, Key: keys[n%1000], Expiry: now.Add(71 * time.Second)}); err != nil {
			b.Fatal(err)
		}
	}
}
