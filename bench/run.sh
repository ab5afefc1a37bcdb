#!/usr/bin/env bash
# bench/run.sh: run jwtguard's benchmarks and the peer comparison, then write
# benchstat tables and the ratio-to-floor tables into bench/results/.
#
#   bench/run.sh              # COUNT=6 rounds, BENCHTIME=1s
#   COUNT=10 BENCHTIME=2s bench/run.sh
#
# Each round runs every benchmark once (-count 1) and the rounds alternate,
# so a burst of load on a shared machine spreads over all rows instead of
# hitting a few; benchstat and the ratios use the median of the rounds.
# BenchmarkPaired (both modules) alternates each implementation with the
# floor inside one loop: its x-base metric is the steadiest ratio.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
out=results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

if ! command -v benchstat >/dev/null; then
  go install golang.org/x/perf/cmd/benchstat@latest
  export PATH="$PATH:$(go env GOPATH)/bin"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "go: $(go version)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "COUNT=$COUNT BENCHTIME=$BENCHTIME"
} > "$out/env.txt"

go test -c -o "$tmp/bench.test" .
(cd peers && go test -c -o "$tmp/peers.test" .)

: > "$out/verify.txt"; : > "$out/parallel.txt"; : > "$out/e2e.txt"; : > "$out/peers.txt"
: > "$out/paired.txt"; : > "$out/peers-paired.txt"
for i in $(seq "$COUNT"); do
  echo "round $i/$COUNT (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  "$tmp/bench.test" -test.run '^$' -test.bench '^BenchmarkVerify$' -test.cpu 1 \
    -test.benchtime "$BENCHTIME" >> "$out/verify.txt"
  (cd peers && "$tmp/peers.test" -test.run '^$' -test.bench '^BenchmarkPeers$' -test.cpu 1 \
    -test.benchtime "$BENCHTIME") >> "$out/peers.txt"
  "$tmp/bench.test" -test.run '^$' -test.bench '^BenchmarkPaired$' -test.cpu 1 \
    -test.benchtime "$BENCHTIME" >> "$out/paired.txt"
  (cd peers && "$tmp/peers.test" -test.run '^$' -test.bench '^BenchmarkPaired$' -test.cpu 1 \
    -test.benchtime "$BENCHTIME") >> "$out/peers-paired.txt"
  "$tmp/bench.test" -test.run '^$' -test.bench '^BenchmarkVerifyParallel$' -test.cpu 1,2 \
    -test.benchtime "$BENCHTIME" >> "$out/parallel.txt"
  "$tmp/bench.test" -test.run '^$' -test.bench '^Benchmark(HTTP|GRPC)' \
    -test.benchtime "$BENCHTIME" >> "$out/e2e.txt"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/env.txt"

benchstat -col /impl "$out/verify.txt" > "$out/verify.benchstat"
benchstat -col /lib "$out/peers.txt" > "$out/peers.benchstat"
benchstat -col /gomaxprocs "$out/parallel.txt" > "$out/parallel.benchstat"
benchstat "$out/paired.txt" > "$out/paired.benchstat"
benchstat "$out/peers-paired.txt" > "$out/peers-paired.benchstat"
benchstat -col /route "$out/e2e.txt" > "$out/e2e.benchstat"
(cd peers && go run ./cmd/ratios "../$out/peers.txt" "../$out/verify.txt") > "$out/ratios.md"

cat "$out/env.txt" "$out/ratios.md"
