// Command ratios reads go test -bench output and prints, as markdown, each
// benchmark's median ns/op, B/op and allocs/op with its ratio to the floor
// of the same run: the row whose lib= or impl= key is "floor" and whose
// other keys (alg=...) and -cpu suffix are the same. When the benchmarks
// report the custom cpu-ns/op metric (process CPU time per operation, see
// bench.CPUMeter), its median and ratio are printed too.
//
// Usage: ratios results/peers.txt [more files...]
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sample is one benchmark line's measurements.
type sample struct{ ns, cpu, bytes, allocs float64 }

// row gathers every sample of one benchmark name.
type row struct {
	group, impl string // name without the impl key; the impl key's value
	samples     []sample
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ratios FILE...")
		os.Exit(2)
	}
	var rows []*row
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		rows, err = parse(f, rows)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "ratios: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	if err := render(os.Stdout, rows); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// parse reads benchmark lines ("BenchmarkX/alg=RS256/lib=floor-2  N  123 ns/op
// 45 B/op  6 allocs/op") and appends their samples to rows, keyed by name.
func parse(r io.Reader, rows []*row) ([]*row, error) {
	index := map[string]*row{}
	for _, x := range rows {
		index[x.group+"\x00"+x.impl] = x
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		group, impl, ok := splitName(fields[0])
		if !ok {
			continue
		}
		var s sample
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad value %q in %q", fields[i], sc.Text())
			}
			switch fields[i+1] {
			case "ns/op":
				s.ns = v
			case "cpu-ns/op":
				s.cpu = v
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			}
		}
		k := group + "\x00" + impl
		x := index[k]
		if x == nil {
			x = &row{group: group, impl: impl}
			index[k] = x
			rows = append(rows, x)
		}
		x.samples = append(x.samples, s)
	}
	return rows, sc.Err()
}

// splitName takes the lib= or impl= element out of a benchmark name; the
// rest (with the -cpu suffix moved to the end) names the group.
func splitName(name string) (group, impl string, ok bool) {
	cpu := ""
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name, cpu = name[:i], name[i:]
		}
	}
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if v, found := strings.CutPrefix(p, "lib="); found {
			impl = v
		} else if v, found := strings.CutPrefix(p, "impl="); found {
			impl = v
		} else {
			continue
		}
		parts = slices.Delete(parts, i, i+1)
		return strings.Join(parts, "/") + cpu, impl, true
	}
	return "", "", false
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func medians(x *row) sample {
	var ns, cpu, b, a []float64
	for _, s := range x.samples {
		ns, b, a = append(ns, s.ns), append(b, s.bytes), append(a, s.allocs)
		if s.cpu > 0 {
			cpu = append(cpu, s.cpu)
		}
	}
	m := sample{ns: median(ns), bytes: median(b), allocs: median(a)}
	if len(cpu) > 0 {
		m.cpu = median(cpu)
	}
	return m
}

// render prints one table per group, rows in input order.
func render(w io.Writer, rows []*row) error {
	var groups []string
	for _, x := range rows {
		if !slices.Contains(groups, x.group) {
			groups = append(groups, x.group)
		}
	}
	for _, g := range groups {
		var floor *sample
		for _, x := range rows {
			if x.group == g && x.impl == "floor" {
				m := medians(x)
				floor = &m
			}
		}
		fmt.Fprintf(w, "\n%s\n\n| | time/op (median of n) | vs floor | CPU/op | vs floor | B/op | allocs/op | allocs vs floor |\n|---|---:|---:|---:|---:|---:|---:|---:|\n", g)
		for _, x := range rows {
			if x.group != g {
				continue
			}
			m := medians(x)
			ratio, cpu, cpuRatio, dAllocs := "", "", "", ""
			if floor != nil && floor.ns > 0 {
				ratio = fmt.Sprintf("%.2fx", m.ns/floor.ns)
				dAllocs = fmt.Sprintf("%+.0f", m.allocs-floor.allocs)
			}
			if m.cpu > 0 {
				cpu = duration(m.cpu)
				if floor != nil && floor.cpu > 0 {
					cpuRatio = fmt.Sprintf("%.2fx", m.cpu/floor.cpu)
				}
			}
			fmt.Fprintf(w, "| %s | %s (n=%d) | %s | %s | %s | %.0f | %.0f | %s |\n",
				x.impl, duration(m.ns), len(x.samples), ratio, cpu, cpuRatio, m.bytes, m.allocs, dAllocs)
		}
	}
	return nil
}

func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
