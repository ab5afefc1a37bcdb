package bench

import (
	"testing"
	"time"
)

// Paired measures other against base on a machine whose speed drifts (a
// shared VM, other processes, frequency changes): it runs them alternately,
// one call each per iteration and in alternating order, so both see the
// same conditions, and reports each one's mean wall time per call
// ("base-ns/op", "other-ns/op") and their quotient ("x-base", the ratio
// other/base of the same iterations). ns/op is the pair's. b.N iterations
// run each function b.N times; both must report success.
func Paired(b *testing.B, base, other func() bool) {
	b.Helper()
	var tBase, tOther time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first, second := base, other
		if i%2 == 1 {
			first, second = other, base
		}
		t0 := time.Now()
		ok1 := first()
		t1 := time.Now()
		ok2 := second()
		t2 := time.Now()
		if !ok1 || !ok2 {
			b.Fatal("bench: a paired function rejected a valid token")
		}
		if i%2 == 0 {
			tBase, tOther = tBase+t1.Sub(t0), tOther+t2.Sub(t1)
		} else {
			tOther, tBase = tOther+t1.Sub(t0), tBase+t2.Sub(t1)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(tBase.Nanoseconds())/n, "base-ns/op")
	b.ReportMetric(float64(tOther.Nanoseconds())/n, "other-ns/op")
	if tBase > 0 {
		b.ReportMetric(float64(tOther)/float64(tBase), "x-base")
	}
}
