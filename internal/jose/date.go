package jose

import (
	"math"
	"time"

	"github.com/jwtguard/jwtguard/internal/jsonscan"
)

// MaxNumericDate is 9999-12-31T23:59:59Z. Dates beyond it (or negative)
// are refused rather than clamped: a token that "never expires" is a
// mistake or an attack.
const MaxNumericDate = 253402300799

// ReadDate reads a NumericDate (RFC 7519 section 2): a JSON number of
// seconds, fractions allowed, within [0, MaxNumericDate]. Any other value
// is a type error, as for jsonscan.Reader.ReadStringTyped.
func ReadDate(r *jsonscan.Reader) (float64, bool) {
	c := r.Peek()
	if c != '-' && (c < '0' || c > '9') {
		r.SkipValue()
		return 0, false
	}
	f, ok := r.ReadNumber()
	if !ok {
		return 0, false
	}
	if f < 0 || f > MaxNumericDate || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// DateTime converts a NumericDate ReadDate accepted.
func DateTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}
