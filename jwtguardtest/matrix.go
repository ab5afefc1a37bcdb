package jwtguardtest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Matrix is who may call what: the status each persona got from each
// route.
type Matrix struct {
	Personas []string
	Routes   []string
	// Statuses[i][j] is the status of Routes[i] for Personas[j].
	Statuses [][]int
}

// AccessMatrix sends one request per persona and route to h and records
// the statuses. A route is a method and a concrete path:
// "GET /api/orgs/acme/contacts". Requests carry no body and go to h in
// process (httptest), Host example.com; a route that changes state sees
// every persona in turn, so give it a handler that starts afresh per
// request, or a path whose answer does not change (a missing id).
func AccessMatrix(h http.Handler, personas []Persona, routes ...string) (Matrix, error) {
	m := Matrix{Routes: routes}
	for _, p := range personas {
		m.Personas = append(m.Personas, p.Name)
	}
	for _, route := range routes {
		method, path, ok := strings.Cut(route, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			return Matrix{}, fmt.Errorf(`jwtguardtest: route %q: want "METHOD /path"`, route)
		}
		row := make([]int, len(personas))
		for j, p := range personas {
			req := httptest.NewRequest(method, path, nil)
			if err := p.Authorize(req); err != nil {
				return Matrix{}, fmt.Errorf("jwtguardtest: persona %s: %w", p.Name, err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			row[j] = rec.Code
		}
		m.Statuses = append(m.Statuses, row)
	}
	return m, nil
}

// Status returns the status persona got from route, 0 when either is not
// in the matrix.
func (m Matrix) Status(route, persona string) int {
	for i, r := range m.Routes {
		if r != route {
			continue
		}
		for j, p := range m.Personas {
			if p == persona {
				return m.Statuses[i][j]
			}
		}
	}
	return 0
}

// String renders the matrix as an aligned table, a route per line and a
// persona per column, the form to commit as a golden file:
//
//	route               anonymous   reader   admin
//	GET /api/contacts   401         200      200
func (m Matrix) String() string {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprintf(w, "route\t%s\n", strings.Join(m.Personas, "\t"))
	for i, r := range m.Routes {
		cells := make([]string, len(m.Statuses[i]))
		for j, s := range m.Statuses[i] {
			cells[j] = strconv.Itoa(s)
		}
		fmt.Fprintf(w, "%s\t%s\n", r, strings.Join(cells, "\t"))
	}
	w.Flush()
	// tabwriter pads the last column too: trim, so the file has no
	// trailing spaces.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// ErrGoldenMismatch is wrapped by CompareGolden's error when the file
// differs.
var ErrGoldenMismatch = errors.New("jwtguardtest: differs from the golden file")

// CompareGolden compares got with the golden file at path, or, when update
// is true, writes got there (creating its directory). It is the -update
// pattern:
//
//	var update = flag.Bool("update", false, "rewrite the golden files")
//
//	func TestAccess(t *testing.T) {
//		m, err := jwtguardtest.AccessMatrix(handler, personas, routes...)
//		...
//		if err := jwtguardtest.CompareGolden("testdata/access.golden", []byte(m.String()), *update); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// The error of a mismatch shows both versions and how to accept the new
// one.
func CompareGolden(path string, got []byte, update bool) error {
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("jwtguardtest: %w (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w %s (run the test with -update to accept the new one):\n--- got\n%s\n--- want\n%s",
			ErrGoldenMismatch, path, got, want)
	}
	return nil
}
