package bench

import (
	"slices"
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
//
// It also reports "x-base-med", the quotient of the two median call times.
// On a loaded machine a call now and then loses the CPU for a whole
// scheduler time slice (milliseconds, against tens of µs for a call); the
// means, and so x-base, carry those outliers, the medians do not.
func Paired(b *testing.B, base, other func() bool) {
	b.Helper()
	var tBase, tOther time.Duration
	dBase := make([]time.Duration, b.N)
	dOther := make([]time.Duration, b.N)
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
			dBase[i], dOther[i] = t1.Sub(t0), t2.Sub(t1)
		} else {
			dOther[i], dBase[i] = t1.Sub(t0), t2.Sub(t1)
		}
		tBase, tOther = tBase+dBase[i], tOther+dOther[i]
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(tBase.Nanoseconds())/n, "base-ns/op")
	b.ReportMetric(float64(tOther.Nanoseconds())/n, "other-ns/op")
	if tBase > 0 {
		b.ReportMetric(float64(tOther)/float64(tBase), "x-base")
	}
	if mb := medianDuration(dBase); mb > 0 {
		b.ReportMetric(float64(medianDuration(dOther))/float64(mb), "x-base-med")
	}
}

// medianDuration sorts d and returns its median (0 for none).
func medianDuration(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	if n := len(d); n%2 == 1 {
		return d[n/2]
	} else {
		return (d[n/2-1] + d[n/2]) / 2
	}
}
