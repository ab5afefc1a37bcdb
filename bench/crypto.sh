#!/usr/bin/env bash
# bench/crypto.sh: cold Validate against the floor in each crypto build, and
# both against OpenSSL, in ONE run on one machine; writes
# bench/results/crypto-*.txt and crypto-table.md (see bench/README.md,
# "Crypto builds").
#
#   bench/crypto.sh                                  # COUNT=3 BENCHTIME=0.5s OSSL_SECONDS=1
#   COUNT=6 BENCHTIME=1s OSSL_SECONDS=3 bench/crypto.sh   # on a quiet machine
#
# Builds (BUILDS, default "default boring fips-on fips-v1.0.0"):
#   default       go test -c: the Go Cryptographic Module, FIPS mode off
#   boring        GOEXPERIMENT=boringcrypto CGO_ENABLED=1 (linux/amd64, arm64)
#   fips-on       the default binary run with GODEBUG=fips140=on
#   fips-v1.0.0   GOFIPS140=v1.0.0: the frozen module snapshot, fips140=on by default
#
# Each round runs BenchmarkCrypto and BenchmarkKeyCache once per build (the
# build order rotates every round), openssl speed once and, when it could be
# built, c/libverify (BoringSSL's and OpenSSL's RSA verify called from C)
# once, so a burst of
# load lands on every column; cryptotable takes medians. Compare numbers of
# the same run only: ratios, never absolute times across runs.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-3}
BENCHTIME=${BENCHTIME:-0.5s}
OSSL_SECONDS=${OSSL_SECONDS:-1}
CPU=${CPU:-1}
BUILDS=${BUILDS:-"default boring fips-on fips-v1.0.0"}
out=results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

goos=$(go env GOOS) goarch=$(go env GOARCH)
builds=()
for b in $BUILDS; do
  case $b in
  default) go test -c -o "$tmp/default.test" . ;;
  boring)
    if [ "$goos" != linux ] || { [ "$goarch" != amd64 ] && [ "$goarch" != arm64 ]; }; then
      echo "crypto.sh: boring skipped: BoringCrypto needs linux/amd64 or linux/arm64" >&2
      continue
    fi
    GOEXPERIMENT=boringcrypto CGO_ENABLED=1 go test -c -o "$tmp/boring.test" . ;;
  fips-on) [ -x "$tmp/default.test" ] || go test -c -o "$tmp/default.test" . ;;
  fips-v1.0.0) GOFIPS140=v1.0.0 go test -c -o "$tmp/fips-v1.0.0.test" . ;;
  *) echo "crypto.sh: unknown build $b" >&2; exit 2 ;;
  esac
  builds+=("$b")
done

# run BUILD ARGS...: the build's test binary with its environment.
run() {
  local b=$1; shift
  case $b in
  fips-on) GODEBUG=fips140=on "$tmp/default.test" "$@" ;;
  *) "$tmp/$b.test" "$@" ;;
  esac
}

have_openssl=0
if command -v openssl >/dev/null; then have_openssl=1; fi

# libverify (c/libverify.c): BoringSSL's and OpenSSL's RSA verify called
# from C in one process, to tell the libraries' cost from Go's. Built when
# the boring build is measured and gcc and the OpenSSL headers are there.
have_libverify=0
if [[ " ${builds[*]} " == *" boring "* ]] && command -v gcc >/dev/null; then
  boring=$(go env GOROOT)/src/crypto/internal/boring
  if gcc -O2 -I"$boring" c/libverify.c "$boring/syso/goboringcrypto_linux_$goarch.syso" \
    -lcrypto -lpthread -o "$tmp/libverify" 2>"$tmp/libverify.err"; then
    have_libverify=1
  else
    echo "crypto.sh: libverify not built (needs the OpenSSL headers, libssl-dev):" >&2
    head -3 "$tmp/libverify.err" >&2
  fi
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "go: $(go version)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  if [ $have_openssl = 1 ]; then echo "openssl: $(openssl version)"; fi
  echo "COUNT=$COUNT BENCHTIME=$BENCHTIME OSSL_SECONDS=$OSSL_SECONDS CPU=$CPU"
  for b in "${builds[@]}"; do
    echo "build $b: $(run "$b" -test.run '^TestCryptoBuild$' -test.v | sed -n 's/.*crypto build: //p')"
  done
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/crypto-env.txt"

for b in "${builds[@]}"; do : > "$out/crypto-$b.txt"; done
: > "$out/crypto-openssl.txt"
if [ $have_libverify = 1 ]; then : > "$out/crypto-libs.txt"; fi
n=${#builds[@]}
for i in $(seq "$COUNT"); do
  echo "round $i/$COUNT (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$out/crypto-env.txt" >&2
  for j in $(seq 0 $((n - 1))); do
    b=${builds[$(((i + j) % n))]}
    run "$b" -test.run '^$' -test.bench '^Benchmark(Crypto|KeyCache)$' \
      -test.benchtime "$BENCHTIME" -test.cpu "$CPU" >> "$out/crypto-$b.txt"
  done
  if [ $have_openssl = 1 ]; then
    openssl speed -seconds "$OSSL_SECONDS" rsa2048 ecdsap256 ed25519 2>/dev/null >> "$out/crypto-openssl.txt"
  fi
  if [ $have_libverify = 1 ]; then
    "$tmp/libverify" 20 $((250 * OSSL_SECONDS)) >> "$out/crypto-libs.txt"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/crypto-env.txt"

args=()
if [ $have_openssl = 1 ]; then args+=(-openssl "$out/crypto-openssl.txt"); fi
if [ $have_libverify = 1 ]; then args+=(-libs "$out/crypto-libs.txt"); fi
for b in "${builds[@]}"; do args+=("$b=$out/crypto-$b.txt"); done
go run ./cmd/cryptotable "${args[@]}" > "$out/crypto-table.md"
cat "$out/crypto-env.txt" "$out/crypto-table.md"
