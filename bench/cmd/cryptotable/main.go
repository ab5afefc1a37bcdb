// Command cryptotable turns the raw output of bench/crypto.sh into the
// markdown tables of bench/README.md, "Crypto builds": for each crypto
// build, cold Validate against the floor of the same build, both against
// OpenSSL's verify time from openssl speed, and the cache hit.
//
// Usage:
//
//	cryptotable -openssl crypto-openssl.txt LABEL=crypto-LABEL.txt...
//
// Each LABEL=FILE is one build's go test -bench output of BenchmarkCrypto
// and BenchmarkKeyCache (bench/crypto_test.go), any number of rounds; the
// openssl file holds any number of openssl speed outputs (the
// human-readable table, not -mr, whose fields changed meaning between
// OpenSSL versions). Every number is the median over the rounds. Ratios to
// OpenSSL use CPU time on both sides (cpu-ns/op; openssl speed divides by
// the CPU time it used unless -elapsed), so they hold on a loaded machine
// better than wall time; cold/floor uses BenchmarkCrypto's impl=paired,
// which alternates the two in one loop, through its x-base-med (quotient
// of the median call times, which a preempted call does not move).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Algs are the columns, in order; opensslOf maps each to the openssl speed
// algorithm it is compared with. OpenSSL 3's speed has no RSA-PSS: PS256 is
// compared with the PKCS#1 v1.5 time, the same RSA public operation (the
// padding checks differ by two SHA-256 blocks of MGF1).
var (
	Algs      = []string{"RS256", "PS256", "ES256", "EdDSA"}
	opensslOf = map[string]string{"RS256": "rsa2048", "PS256": "rsa2048", "ES256": "ecdsap256", "EdDSA": "ed25519"}
)

// Targets of the issue.
const (
	targetFloor   = 1.05 // cold Validate / floor of the same build, every build
	targetOpenSSL = 1.15 // cold RS256 Validate (BoringCrypto) / OpenSSL verify
)

// build is one crypto build's benchmark results: values[name][unit] lists
// one value per round.
type build struct {
	label  string
	values map[string]map[string][]float64
}

func main() {
	opensslFile := flag.String("openssl", "", "openssl speed output (optional)")
	libsFile := flag.String("libs", "", "bench/c/libverify output (optional)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cryptotable [-openssl FILE] LABEL=FILE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var builds []*build
	for _, arg := range flag.Args() {
		label, file, ok := strings.Cut(arg, "=")
		if !ok {
			flag.Usage()
			os.Exit(2)
		}
		b, err := readBuild(label, file)
		if err != nil {
			fatal(err)
		}
		builds = append(builds, b)
	}
	var ossl map[string][]float64
	if *opensslFile != "" {
		f, err := os.Open(*opensslFile)
		if err != nil {
			fatal(err)
		}
		ossl, err = ParseOpenSSLSpeed(f)
		f.Close()
		if err != nil {
			fatal(fmt.Errorf("%s: %v", *opensslFile, err))
		}
	}
	var libs map[string][]float64
	if *libsFile != "" {
		f, err := os.Open(*libsFile)
		if err != nil {
			fatal(err)
		}
		libs, err = ParseNameValues(f)
		f.Close()
		if err != nil {
			fatal(fmt.Errorf("%s: %v", *libsFile, err))
		}
	}
	render(os.Stdout, builds, ossl)
	if libs != nil {
		renderLibs(os.Stdout, builds, libs)
	}
}

// ParseNameValues reads "name value" lines (bench/c/libverify's output),
// one value per line and run.
func ParseNameValues(r io.Reader) (map[string][]float64, error) {
	out := map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("bad value in %q", sc.Text())
		}
		out[f[0]] = append(out[f[0]], v)
	}
	return out, sc.Err()
}

// renderLibs splits the BoringCrypto RS256 time: the library called from C
// against OpenSSL called from C (same process), then what Go adds to it.
func renderLibs(w io.Writer, builds []*build, libs map[string][]float64) {
	bssl := median(libs["boringssl-rsa2048-verify-us"])
	ossl := median(libs["openssl-rsa2048-verify-us"])
	fmt.Fprintf(w, "\n### Where the BoringCrypto RS256 time goes (CPU µs; libverify: %d runs)\n\n", len(libs["boringssl-rsa2048-verify-us"]))
	fmt.Fprintln(w, "| | µs | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|")
	fmt.Fprintf(w, "| OpenSSL EVP_PKEY_verify, from C | %s | 1 |\n", us(ossl))
	fmt.Fprintf(w, "| BoringSSL RSA_verify (Go's syso), from C | %s | %s |\n", us(bssl), num(bssl/ossl, "%.2f"))
	for _, b := range builds {
		if !strings.Contains(b.label, "boring") {
			continue
		}
		for _, row := range []struct{ name, bench, key string }{
			{"Key.Verify, same key (BenchmarkKeyCache)", "BenchmarkKeyCache", "key=same"},
			{"floor: base64, SHA-256, rsa.VerifyPKCS1v15", "BenchmarkCrypto", "impl=floor"},
			{"cold Validate", "BenchmarkCrypto", "impl=cold"},
		} {
			x := b.get(row.bench, "RS256", row.key, "cpu-ns/op") / 1e3
			fmt.Fprintf(w, "| %s: %s | %s | %s |\n", b.label, row.name, us(x), num(x/ossl, "%.2f"))
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "cryptotable:", err)
	os.Exit(1)
}

func readBuild(label, file string) (*build, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := ParseBench(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return &build{label: label, values: v}, nil
}

// ParseBench reads go test -bench output and returns, for each benchmark
// name without its -GOMAXPROCS suffix, every value of every unit, one per
// line (round) in file order.
func ParseBench(r io.Reader) (map[string]map[string][]float64, error) {
	out := map[string]map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // a benchmark name printed by -v, or a log line
		}
		name := trimProcs(f[0])
		if out[name] == nil {
			out[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q in %q", f[i], sc.Text())
			}
			out[name][f[i+1]] = append(out[name][f[i+1]], v)
		}
	}
	return out, sc.Err()
}

// trimProcs drops the -N GOMAXPROCS suffix go test adds when N > 1.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// The openssl speed table: a header naming the columns ("sign verify
// sign/s verify/s", or with encrypt/decrypt columns since OpenSSL 3.2),
// then one line per key whose last fields are those columns.
var (
	rsaLabel   = regexp.MustCompile(`^rsa\s+(\d+)\s+bits$`)
	ecdsaLabel = regexp.MustCompile(`^(\d+)\s+bits\s+ecdsa\s+\((\w+)\)$`)
	eddsaLabel = regexp.MustCompile(`^(\d+)\s+bits\s+EdDSA\s+\((\w+)\)$`)
)

// ParseOpenSSLSpeed reads openssl speed's human-readable output (one run
// or many concatenated) and returns the verify time in µs of every key
// size it lists, one value per run, keyed like the speed arguments:
// "rsa2048", "ecdsap256", "ed25519". It reads the verify/s column (the
// seconds column is printed with too few digits) through the header, so
// columns added by newer versions do not shift it.
func ParseOpenSSLSpeed(r io.Reader) (map[string][]float64, error) {
	out := map[string][]float64{}
	var header []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if slices.Contains(f, "verify/s") {
			header = f
			continue
		}
		if header == nil || len(f) <= len(header) || strings.HasPrefix(line, "+") {
			continue
		}
		label := strings.Join(f[:len(f)-len(header)], " ")
		var key string
		if m := rsaLabel.FindStringSubmatch(label); m != nil {
			key = "rsa" + m[1]
		} else if m := ecdsaLabel.FindStringSubmatch(label); m != nil {
			key = "ecdsa" + strings.TrimPrefix(m[2], "nist")
		} else if m := eddsaLabel.FindStringSubmatch(label); m != nil {
			key = strings.ToLower(m[2])
		} else {
			continue
		}
		cols := f[len(f)-len(header):]
		perSec, err := strconv.ParseFloat(cols[slices.Index(header, "verify/s")], 64)
		if err != nil || perSec <= 0 {
			return nil, fmt.Errorf("bad verify/s in %q", line)
		}
		out[key] = append(out[key], 1e6/perSec)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no openssl speed table found")
	}
	return out, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// get returns the median of unit for BenchmarkCrypto/alg=A/impl=I.
func (b *build) get(bench, alg, key, unit string) float64 {
	return median(b.values[bench+"/alg="+alg+"/"+key][unit])
}

func (b *build) rounds() int {
	n := 0
	for _, units := range b.values {
		n = max(n, len(units["ns/op"]))
	}
	return n
}

func render(w io.Writer, builds []*build, ossl map[string][]float64) {
	var rounds []string
	for _, b := range builds {
		rounds = append(rounds, fmt.Sprintf("%s %d", b.label, b.rounds()))
	}
	fmt.Fprintf(w, "Medians over rounds (%s", strings.Join(rounds, ", "))
	if ossl != nil {
		fmt.Fprintf(w, ", openssl %d", len(ossl["rsa2048"]))
	}
	fmt.Fprintln(w, ").")

	fmt.Fprintf(w, "\n### Cold Validate / floor of the same build (impl=paired x-base-med: median call times, one loop; target ≤ %.2f)\n\n", targetFloor)
	header(w, "build")
	for _, b := range builds {
		cells := make([]string, len(Algs))
		for i, a := range Algs {
			x := b.get("BenchmarkCrypto", a, "impl=paired", "x-base-med")
			if math.IsNaN(x) { // output of a Paired without medians
				x = b.get("BenchmarkCrypto", a, "impl=paired", "x-base")
			}
			cells[i] = mark(x, targetFloor, "%.3f")
		}
		fmt.Fprintf(w, "| %s | %s |\n", b.label, strings.Join(cells, " | "))
	}

	fmt.Fprintln(w, "\nThe same quotient from the serial runs' CPU time (impl=cold cpu-ns/op / impl=floor cpu-ns/op):")
	fmt.Fprintln(w)
	header(w, "build")
	for _, b := range builds {
		cells := make([]string, len(Algs))
		for i, a := range Algs {
			x := b.get("BenchmarkCrypto", a, "impl=cold", "cpu-ns/op") / b.get("BenchmarkCrypto", a, "impl=floor", "cpu-ns/op")
			cells[i] = num(x, "%.3f")
		}
		fmt.Fprintf(w, "| %s | %s |\n", b.label, strings.Join(cells, " | "))
	}

	fmt.Fprintln(w, "\n### CPU µs per operation (cpu-ns/op; openssl speed: CPU time per verify)")
	fmt.Fprintln(w)
	header(w, "")
	for _, b := range builds {
		for _, impl := range []string{"floor", "cold"} {
			cells := make([]string, len(Algs))
			for i, a := range Algs {
				cells[i] = us(b.get("BenchmarkCrypto", a, "impl="+impl, "cpu-ns/op") / 1e3)
			}
			fmt.Fprintf(w, "| %s %s | %s |\n", b.label, impl, strings.Join(cells, " | "))
		}
	}
	if ossl != nil {
		cells := make([]string, len(Algs))
		for i, a := range Algs {
			cells[i] = us(median(ossl[opensslOf[a]]))
		}
		fmt.Fprintf(w, "| openssl speed (%s) | %s |\n", "rsa2048, rsa2048, ecdsap256, ed25519", strings.Join(cells, " | "))

		fmt.Fprintf(w, "\n### Against OpenSSL's verify (CPU time ratio; target: boring cold RS256 ≤ %.2f)\n\n", targetOpenSSL)
		header(w, "")
		for _, b := range builds {
			for _, impl := range []string{"floor", "cold"} {
				cells := make([]string, len(Algs))
				for i, a := range Algs {
					x := b.get("BenchmarkCrypto", a, "impl="+impl, "cpu-ns/op") / 1e3 / median(ossl[opensslOf[a]])
					if impl == "cold" && a == "RS256" && strings.Contains(b.label, "boring") {
						cells[i] = mark(x, targetOpenSSL, "%.2f")
					} else {
						cells[i] = num(x, "%.2f")
					}
				}
				fmt.Fprintf(w, "| %s %s / openssl | %s |\n", b.label, impl, strings.Join(cells, " | "))
			}
		}
	}

	fmt.Fprintln(w, "\n### Cache hit (impl=cached: CPU ns/op, allocs/op)")
	fmt.Fprintln(w)
	header(w, "build")
	for _, b := range builds {
		cells := make([]string, len(Algs))
		for i, a := range Algs {
			ns := b.get("BenchmarkCrypto", a, "impl=cached", "cpu-ns/op")
			allocs := b.get("BenchmarkCrypto", a, "impl=cached", "allocs/op")
			cells[i] = num(ns, "%.0f ns") + ", " + num(allocs, "%.0f")
		}
		fmt.Fprintf(w, "| %s | %s |\n", b.label, strings.Join(cells, " | "))
	}

	fmt.Fprintln(w, "\n### Key.Verify, same key vs a new key per call (BenchmarkKeyCache: CPU µs, cgo calls per op)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| build | RS256 same | RS256 new | ES256 same | ES256 new |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, b := range builds {
		var cells []string
		for _, a := range []string{"RS256", "ES256"} {
			for _, k := range []string{"key=same", "key=fresh"} {
				cpu := b.get("BenchmarkKeyCache", a, k, "cpu-ns/op") / 1e3
				cgo := b.get("BenchmarkKeyCache", a, k, "cgo-calls/op")
				cells = append(cells, us(cpu)+", "+num(cgo, "%.1f"))
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", b.label, strings.Join(cells, " | "))
	}
}

func header(w io.Writer, first string) {
	fmt.Fprintf(w, "| %s | %s |\n|---|%s\n", first, strings.Join(Algs, " | "), strings.Repeat("---:|", len(Algs)))
}

func num(x float64, format string) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return fmt.Sprintf(format, x)
}

func us(x float64) string { return num(x, "%.1f") }

// mark prints x and whether it meets the target (≤).
func mark(x, target float64, format string) string {
	s := num(x, format)
	if s == "–" {
		return s
	}
	if x <= target {
		return s + " ✓"
	}
	return s + " ✗"
}
