package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/jwtguard/jwtguard/internal/jose"
)

// DefaultNoncePeriod is how often server nonces rotate.
const DefaultNoncePeriod = 5 * time.Minute

// Nonces issues and checks resource-server nonces (RFC 9449 section 9)
// without shared state: a nonce is the number of the current period and an
// HMAC of it under a secret the replicas share. A nonce of the current or
// the previous period is accepted, so a nonce lives one to two periods.
// Nonces is immutable and safe for concurrent use.
type Nonces struct {
	secret []byte
	period time.Duration
}

const nonceMACSize = 16

// NewNonces returns the nonces of secret (at least 32 bytes, the same on
// every replica, so no state is shared), rotating every period
// (DefaultNoncePeriod when 0; at least 1 s).
func NewNonces(secret []byte, period time.Duration) (*Nonces, error) {
	if period == 0 {
		period = DefaultNoncePeriod
	}
	if len(secret) < 32 {
		return nil, errors.New("dpop: the nonce secret must be at least 32 bytes")
	}
	if period < time.Second {
		return nil, errors.New("dpop: the nonce period must be at least 1s")
	}
	return &Nonces{secret: append([]byte(nil), secret...), period: period}, nil
}

func (n *Nonces) bucket(now time.Time) uint64 { return uint64(now.UnixNano() / int64(n.period)) }

// Current returns the nonce to hand out at now, in a DPoP-Nonce header
// (RFC 9449 section 9).
func (n *Nonces) Current(now time.Time) string { return n.encode(n.bucket(now)) }

func (n *Nonces) encode(b uint64) string {
	var buf [8 + nonceMACSize]byte
	binary.BigEndian.PutUint64(buf[:8], b)
	copy(buf[8:], n.mac(buf[:8]))
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

func (n *Nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.secret)
	m.Write(b)
	return m.Sum(nil)[:nonceMACSize]
}

// Valid reports whether nonce was issued in the period of now or the one
// before.
func (n *Nonces) Valid(nonce string, now time.Time) bool {
	raw, err := jose.Encoding.DecodeString(nonce)
	if err != nil || len(raw) != 8+nonceMACSize {
		return false
	}
	if !hmac.Equal(raw[8:], n.mac(raw[:8])) {
		return false
	}
	b, cur := binary.BigEndian.Uint64(raw[:8]), n.bucket(now)
	return b == cur || b+1 == cur
}
