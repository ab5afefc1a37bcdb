package bench

import (
	"context"
	"testing"
	"time"
)

// The impl key of BenchmarkVerify and BenchmarkVerifyParallel:
//
//	floor      Floor: base64 signature, SHA-256, stdlib verify; no checks
//	floorjson  FloorJSON: Floor + encoding/json claims, iss/aud/exp checks
//	cold       Validator.Validate with the token cache off: every check
//	cached     Validator.Validate of a token it validated before (default cache)
//
// Beside ns/op (wall clock) each reports cpu-ns/op, the process CPU time
// per operation (see CPUMeter). Compare with: benchstat -col /impl (see
// bench/run.sh).
func BenchmarkVerify(b *testing.B) {
	f := mustFixture(b)
	for _, alg := range Algs {
		runImpls(b, f, alg, false)
	}
}

// BenchmarkVerifyParallel is BenchmarkVerify under b.RunParallel: run it
// with -cpu 1,2 to see how throughput scales with cores.
func BenchmarkVerifyParallel(b *testing.B) {
	f := mustFixture(b)
	for _, alg := range Algs {
		runImpls(b, f, alg, true)
	}
}

func runImpls(b *testing.B, f *Fixture, alg string, parallel bool) {
	s := f.Signer(alg)
	tok := mustToken(b, f, alg, 1)
	now := time.Now()
	cold := mustValidator(b, f, 0)
	cached := mustValidator(b, f, 1024)
	if _, err := cached.Validate(context.Background(), tok); err != nil {
		b.Fatal(err)
	}
	impls := []struct {
		name string
		run  func() bool
	}{
		{"floor", func() bool { return Floor(s, tok) }},
		{"floorjson", func() bool { _, ok := FloorJSON(s, tok, now); return ok }},
		{"cold", func() bool { _, err := cold.Validate(context.Background(), tok); return err == nil }},
		{"cached", func() bool { _, err := cached.Validate(context.Background(), tok); return err == nil }},
	}
	for _, im := range impls {
		b.Run("alg="+alg+"/impl="+im.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := StartCPU()
			if !parallel {
				for b.Loop() {
					if !im.run() {
						b.Fatal("rejected a valid token")
					}
				}
				cpu.Report(b, b.N)
				return
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !im.run() {
						b.Error("rejected a valid token")
						return
					}
				}
			})
			cpu.Report(b, b.N)
		})
	}
}

// BenchmarkPaired runs Validate (cache off) and FloorJSON each against the
// floor, alternately in the same loop (see Paired): its x-base metric is
// the ratio to the floor measured under the same machine conditions.
func BenchmarkPaired(b *testing.B) {
	f := mustFixture(b)
	cold := mustValidator(b, f, 0)
	for _, alg := range Algs {
		s := f.Signer(alg)
		tok := mustToken(b, f, alg, 1)
		now := time.Now()
		floor := func() bool { return Floor(s, tok) }
		for _, im := range []struct {
			name string
			run  func() bool
		}{
			{"cold", func() bool { _, err := cold.Validate(context.Background(), tok); return err == nil }},
			{"floorjson", func() bool { _, ok := FloorJSON(s, tok, now); return ok }},
		} {
			b.Run("alg="+alg+"/impl="+im.name, func(b *testing.B) { Paired(b, floor, im.run) })
		}
	}
}
