package promguard_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// The files of deploy/, relative to this package.
const (
	rulesFile     = "../../deploy/prometheus/jwtguard-rules.yml"
	rulesTestFile = "../../deploy/prometheus/jwtguard-rules.test.yml"
	dashboardFile = "../../deploy/grafana/jwtguard.json"
	deployREADME  = "../../deploy/README.md"
	rootREADME    = "../../README.md"
)

// Labels Prometheus adds at scrape time; queries may use them on any
// metric.
var targetLabels = []string{"job", "instance"}

// TestDeployReferencesExportedMetrics checks that the Prometheus rules, their
// promtool tests and the Grafana dashboard in deploy/ name only metrics that
// promguard exports, with labels those metrics have.
func TestDeployReferencesExportedMetrics(t *testing.T) {
	metrics := exportedMetrics(t)

	rules := readRules(t, rulesFile)
	for _, p := range checkRules(rules, metrics) {
		t.Errorf("%s: %s", rulesFile, p)
	}
	for _, p := range checkRulesTest(read(t, rulesTestFile), metrics, recordedNames(rules)) {
		t.Errorf("%s: %s", rulesTestFile, p)
	}
	for _, p := range checkDashboard(read(t, dashboardFile), metrics) {
		t.Errorf("%s: %s", dashboardFile, p)
	}
	anchors := map[string][]string{
		"https://github.com/jwtguard/jwtguard/blob/main/deploy/README.md#": headingAnchors(read(t, deployREADME)),
		"https://github.com/jwtguard/jwtguard#":                            headingAnchors(read(t, rootREADME)),
	}
	for _, p := range checkAlertAnnotations(rules, anchors) {
		t.Errorf("%s: %s", rulesFile, p)
	}
}

// TestDeployCheckerCatchesMistakes proves the checks above can fail: a rule
// naming a metric promguard does not export, a misspelled histogram suffix,
// a label the metric does not have, a recording rule that is not defined.
func TestDeployCheckerCatchesMistakes(t *testing.T) {
	metrics := exportedMetrics(t)
	bad := `groups:
  - name: bad
    rules:
      - record: job:jwtguard_ok:rate5m
        expr: sum by (job) (rate(jwtguard_validations_total[5m]))
      - alert: Renamed
        expr: jwtguard_jwks_key_count == 0
      - alert: NoSuffix
        expr: histogram_quantile(0.99, rate(jwtguard_validation_duration_seconds[5m])) > 1
      - alert: WrongLabel
        expr: |
          jwtguard_jwks_keys{issuer="x"} == 0
      - alert: WrongGrouping
        expr: sum by (issuer) (jwtguard_jwks_keys) == 0
      - alert: Undefined
        expr: job:jwtguard_missing:rate5m > 1 and job:jwtguard_ok:rate5m > 1
      - alert: InAString
        expr: label_replace(vector(1), "x", "jwtguard_not_a_metric", "", "") > 0 # jwtguard_nor_this
`
	rules, err := parseRules(bad)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(checkRules(rules, metrics), "\n")
	for _, want := range []string{
		`"jwtguard_jwks_key_count" is not exported`,
		`"jwtguard_validation_duration_seconds" is not exported`,
		`label "issuer" is not a label of jwtguard_jwks_keys`,
		`label "issuer" in by/without/on/ignoring/group_* is not a label of jwtguard_jwks_keys`,
		`"job:jwtguard_missing:rate5m" is not a recording rule of this file`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("checker missed %s; it reported:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not_a_metric") || strings.Contains(got, "nor_this") || strings.Contains(got, "jwtguard_ok") {
		t.Errorf("checker read a string or a comment as a metric:\n%s", got)
	}
	if n := strings.Count(got, "\n") + 1; n != 5 {
		t.Errorf("checker reported %d problems, want 5:\n%s", n, got)
	}
	if _, err := parseRules("groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: >\n          up\n      - {alert: B, expr: up}\n"); err == nil {
		t.Error("parseRules accepted a rule it cannot read (flow style)")
	}
}

// metricInfo is what a query may name: an exported series name and its
// label names.
type metricInfo struct {
	family string
	labels []string
}

// exportedMetrics registers promguard on a fresh registry, drives every
// hook so every vector has a series, and returns every series name a query
// can use: counters and gauges by name, histograms as _bucket (with le),
// _sum and _count. Every metric promguard describes must be gathered here:
// a new metric fails the test until driveEvents produces it.
func exportedMetrics(t *testing.T) map[string]metricInfo {
	t.Helper()
	reg := &recordingRegisterer{Registry: prometheus.NewRegistry()}
	m, err := promguard.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	driveEvents(m)

	described := map[string]bool{}
	descs := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range reg.collectors {
			c.Describe(descs)
		}
		close(descs)
	}()
	fqName := regexp.MustCompile(`^Desc\{fqName: "([^"]+)"`)
	for d := range descs {
		sub := fqName.FindStringSubmatch(d.String())
		if sub == nil {
			t.Fatalf("cannot read the metric name of %s", d)
		}
		described[sub[1]] = true
	}

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]metricInfo{}
	gathered := map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		gathered[name] = true
		if !strings.HasPrefix(name, "jwtguard_") {
			t.Errorf("promguard exports %s, outside the jwtguard_ namespace", name)
		}
		var labels []string
		for _, mt := range mf.GetMetric() {
			for _, lp := range mt.GetLabel() {
				if !slices.Contains(labels, lp.GetName()) {
					labels = append(labels, lp.GetName())
				}
			}
		}
		add := func(series string, extra ...string) {
			out[series] = metricInfo{family: name, labels: append(slices.Clone(labels), extra...)}
		}
		// By the type's name: client_model is not a direct dependency.
		switch typ := mf.GetType().String(); typ {
		case "COUNTER", "GAUGE", "UNTYPED":
			add(name)
		case "HISTOGRAM":
			add(name+"_bucket", "le")
			add(name + "_sum")
			add(name + "_count")
		case "SUMMARY":
			add(name, "quantile")
			add(name + "_sum")
			add(name + "_count")
		default:
			t.Errorf("%s: metric type %s not handled by this test", name, typ)
		}
	}
	for name := range described {
		if !gathered[name] {
			t.Errorf("promguard describes %s but driveEvents produced no series of it: drive it in deploy_test.go so its type and labels are known", name)
		}
	}
	if len(described) == 0 || t.Failed() {
		t.FailNow()
	}
	return out
}

// driveEvents calls every hook of Metrics so that every vector has a series.
func driveEvents(m *promguard.Metrics) {
	iss := "https://issuer.example.com/"
	m.Validated(middleware.ValidationEvent{Issuer: iss, Duration: 40 * time.Microsecond})
	m.Validated(middleware.ValidationEvent{Issuer: iss, Cached: true, Duration: 200 * time.Nanosecond})
	m.Validated(middleware.ValidationEvent{Reason: middleware.ReasonOpaque, Duration: time.Microsecond})
	m.KeysFetched(jwks.FetchEvent{Source: "idp", Trigger: jwks.TriggerInitial, Keys: 2})
	m.KeysFetched(jwks.FetchEvent{Source: "down", Trigger: jwks.TriggerInitial, Err: errors.New("503")})
	m.UnknownKIDRefresh("idp", false)
	m.UnknownKIDRefresh("idp", true)
	m.Introspected(introspect.RequestEvent{Issuer: iss, StatusCode: 200, Duration: 20 * time.Millisecond})
	m.Introspected(introspect.RequestEvent{Issuer: iss, Kind: introspect.KindUnavailable, StatusCode: 503, Duration: time.Millisecond})
	m.CacheLookup(true, "")
	m.CacheLookup(false, "")
	m.RateLimited(iss)
}

// recordingRegisterer keeps what promguard registers, for Describe.
type recordingRegisterer struct {
	*prometheus.Registry
	collectors []prometheus.Collector
}

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	if err := r.Registry.Register(c); err != nil {
		return err
	}
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// rule is one entry of a rules file: an alert or a recording rule.
type rule struct {
	kind, name string // "alert" or "record"
	line       int    // of the "- alert:" or "- record:" line
	expr       string
	keys       map[string]string // every other "key: value" line of the entry
}

func (r rule) String() string { return fmt.Sprintf("line %d, %s %s", r.line, r.kind, r.name) }

// readRules reads a Prometheus rules file in the format jwtguard-rules.yml
// states in its header, without a YAML library (the core module has no
// direct YAML dependency): an entry starts at "- alert:" or "- record:";
// "expr:" holds the whole expression on its line or opens a literal block
// ("expr: |") of the lines indented deeper than the key.
func readRules(t *testing.T, path string) []rule {
	t.Helper()
	rules, err := parseRules(read(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rules) == 0 {
		t.Fatalf("%s: no rules found", path)
	}
	return rules
}

var (
	entryLine = regexp.MustCompile(`^(\s*)- (alert|record):\s*(\S+)\s*$`)
	keyLine   = regexp.MustCompile(`^(\s*)([a-z_]+):\s*(.*?)\s*$`)
)

func parseRules(text string) ([]rule, error) {
	lines := strings.Split(text, "\n")
	var rules []rule
	var cur *rule
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if m := entryLine.FindStringSubmatch(line); m != nil {
			rules = append(rules, rule{kind: m[2], name: m[3], line: i + 1, keys: map[string]string{}})
			cur = &rules[len(rules)-1]
			continue
		}
		if strings.HasPrefix(trimmed, "- ") {
			if !strings.HasPrefix(trimmed, "- name:") {
				return nil, fmt.Errorf("line %d: %q: a rule must start with \"- alert: Name\" or \"- record: name\" alone on its line", i+1, trimmed)
			}
			cur = nil // a new group
			continue
		}
		m := keyLine.FindStringSubmatch(line)
		if m == nil || cur == nil {
			continue
		}
		key, value := m[2], m[3]
		if key != "expr" {
			cur.keys[key] = unquote(value)
			continue
		}
		switch value {
		case "":
			return nil, fmt.Errorf("line %d: empty expr", i+1)
		case "|", "|-", "|+":
			indent := len(m[1])
			var block []string
			for i+1 < len(lines) {
				next := lines[i+1]
				if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= indent {
					break
				}
				block = append(block, strings.TrimSpace(next))
				i++
			}
			cur.expr = strings.TrimSpace(strings.Join(block, "\n"))
		default:
			if strings.HasPrefix(value, ">") {
				return nil, fmt.Errorf("line %d: folded block expr: use a literal block (expr: |)", i+1)
			}
			cur.expr = unquote(value)
		}
		if cur.expr == "" {
			return nil, fmt.Errorf("line %d: empty expr", i+1)
		}
	}
	for _, r := range rules {
		if r.expr == "" {
			return nil, fmt.Errorf("%s has no expr this test can read", r)
		}
	}
	return rules, nil
}

// unquote removes YAML single or double quotes around a scalar.
func unquote(v string) string {
	switch {
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}

func recordedNames(rules []rule) map[string]bool {
	recorded := map[string]bool{}
	for _, r := range rules {
		if r.kind == "record" {
			recorded[r.name] = true
		}
	}
	return recorded
}

func checkRules(rules []rule, metrics map[string]metricInfo) []string {
	recorded := recordedNames(rules)
	var problems []string
	for _, r := range rules {
		for _, p := range checkExpr(r.expr, metrics, recorded) {
			problems = append(problems, fmt.Sprintf("%s: %s", r, p))
		}
	}
	return problems
}

// checkAlertAnnotations checks that every alert has a for, a severity, a
// summary, a description, and a runbook_url whose anchor is a heading of
// the README it links to.
func checkAlertAnnotations(rules []rule, anchors map[string][]string) []string {
	var problems []string
	alerts := 0
	for _, r := range rules {
		if r.kind != "alert" {
			continue
		}
		alerts++
		for _, k := range []string{"for", "summary", "description", "runbook_url"} {
			if r.keys[k] == "" {
				problems = append(problems, fmt.Sprintf("%s: no %s", r, k))
			}
		}
		if s := r.keys["severity"]; s != "critical" && s != "warning" && s != "info" {
			problems = append(problems, fmt.Sprintf("%s: severity %q, want critical, warning or info", r, s))
		}
		url, ok := r.keys["runbook_url"], false
		for prefix, list := range anchors {
			if anchor, found := strings.CutPrefix(url, prefix); found {
				ok = slices.Contains(list, anchor)
			}
		}
		if url != "" && !ok {
			problems = append(problems, fmt.Sprintf("%s: runbook_url %s is not a heading of deploy/README.md or README.md", r, url))
		}
	}
	if alerts == 0 {
		problems = append(problems, "no alerts")
	}
	return problems
}

// checkRulesTest checks the names and labels of the input series of the
// promtool tests (a test fed with series promguard never exports would
// prove nothing) and the one-line expressions of promql_expr_test.
func checkRulesTest(text string, metrics map[string]metricInfo, recorded map[string]bool) []string {
	series := regexp.MustCompile(`^\s*- series:\s*(.+?)\s*$`)
	expr := regexp.MustCompile(`^\s*- expr:\s*(.+?)\s*$`)
	var problems []string
	n := 0
	for i, line := range strings.Split(text, "\n") {
		if m := expr.FindStringSubmatch(line); m != nil {
			for _, p := range checkExpr(unquote(m[1]), metrics, recorded) {
				problems = append(problems, fmt.Sprintf("line %d: %s", i+1, p))
			}
			continue
		}
		m := series.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n++
		sel := unquote(m[1])
		if !strings.HasPrefix(sel, "jwtguard_") {
			problems = append(problems, fmt.Sprintf("line %d: input series %s is not a jwtguard metric", i+1, sel))
			continue
		}
		for _, p := range checkExpr(sel, metrics, nil) {
			problems = append(problems, fmt.Sprintf("line %d: %s", i+1, p))
		}
	}
	if n == 0 {
		problems = append(problems, "no input series found")
	}
	return problems
}

// checkDashboard checks every PromQL query of the dashboard (panel targets'
// expr and template variables' query/definition): the dashboard must work
// without the recording rules, so it may name exported metrics only. It
// also checks the data source and variables the dashboard is built on.
func checkDashboard(text string, metrics map[string]metricInfo) []string {
	var problems []string
	var dash struct {
		SchemaVersion int `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int            `json:"id"`
			Type       string         `json:"type"`
			Title      string         `json:"title"`
			Datasource map[string]any `json:"datasource"`
			Targets    []struct {
				Datasource map[string]any `json:"datasource"`
				Expr       string         `json:"expr"`
				RefID      string         `json:"refId"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(text), &dash); err != nil {
		return []string{err.Error()}
	}
	if dash.SchemaVersion < 36 {
		problems = append(problems, fmt.Sprintf("schemaVersion %d, want 36 or later (datasource references by uid)", dash.SchemaVersion))
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		q, _ := v.Query.(string)
		if m, ok := v.Query.(map[string]any); ok {
			q, _ = m["query"].(string)
		}
		vars[v.Name] = v.Type + " " + q
	}
	if vars["DS_PROMETHEUS"] != "datasource prometheus" {
		problems = append(problems, "no DS_PROMETHEUS data source variable of type prometheus")
	}
	if want := "query label_values(jwtguard_validations_total, issuer)"; vars["issuer"] != want {
		problems = append(problems, fmt.Sprintf("issuer variable is %q, want %q", vars["issuer"], want))
	}
	ids := map[int]bool{}
	exprs := 0
	for _, p := range dash.Panels {
		if ids[p.ID] {
			problems = append(problems, fmt.Sprintf("panel id %d used twice", p.ID))
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource["uid"] != "${DS_PROMETHEUS}" {
			problems = append(problems, fmt.Sprintf("panel %q: datasource %v, want uid ${DS_PROMETHEUS}", p.Title, p.Datasource))
		}
		if len(p.Targets) == 0 {
			problems = append(problems, fmt.Sprintf("panel %q has no query", p.Title))
		}
		for _, tg := range p.Targets {
			if tg.Datasource["uid"] != "${DS_PROMETHEUS}" || tg.Expr == "" || tg.RefID == "" {
				problems = append(problems, fmt.Sprintf("panel %q: a target without expr, refId or the ${DS_PROMETHEUS} datasource", p.Title))
			}
		}
	}
	// Every query, wherever it is in the JSON.
	var doc any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return append(problems, err.Error())
	}
	walkJSON(doc, func(key, value string) {
		if key != "expr" && key != "query" && key != "definition" {
			return
		}
		if key == "expr" {
			exprs++
		}
		for _, p := range checkExpr(value, metrics, nil) {
			problems = append(problems, fmt.Sprintf("%s %q: %s", key, value, p))
		}
	})
	if exprs == 0 {
		problems = append(problems, "no expr found")
	}
	return problems
}

func walkJSON(v any, f func(key, value string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok {
				f(k, s)
			} else {
				walkJSON(x, f)
			}
		}
	case []any:
		for _, x := range v {
			walkJSON(x, f)
		}
	}
}

var (
	identifier  = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	selector    = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}`)
	matcher     = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)`)
	grouping    = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	labelValues = regexp.MustCompile(`label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)`)
)

// checkExpr checks one PromQL expression (or Grafana variable query) by
// its tokens, not a full parse: string literals and comments are removed,
// then every identifier that contains "jwtguard" must be an exported series
// (or, with a colon, a recording rule of recorded); label names in
// selectors must be labels of their metric, and label names in grouping
// clauses labels of some metric of the expression.
func checkExpr(expr string, metrics map[string]metricInfo, recorded map[string]bool) []string {
	code := stripStringsAndComments(expr)
	var problems []string
	seen := map[string]bool{}
	usable := append([]string{}, targetLabels...) // labels of the expression's metrics
	lenient := false                              // labels of some name unknown: skip grouping checks
	for _, id := range identifier.FindAllString(code, -1) {
		if !strings.Contains(id, "jwtguard") || seen[id] {
			continue
		}
		seen[id] = true
		if strings.Contains(id, ":") {
			if !recorded[id] {
				problems = append(problems, fmt.Sprintf("%q is not a recording rule of this file", id))
			}
			lenient = true
			continue
		}
		mi, ok := metrics[id]
		if !ok {
			problems = append(problems, fmt.Sprintf("%q is not exported by promguard (exported: %s)", id, names(metrics)))
			lenient = true // its labels are unknown
			continue
		}
		usable = append(usable, mi.labels...)
	}
	labelsOf := func(name string) ([]string, bool) {
		mi, ok := metrics[name]
		return append(slices.Clone(targetLabels), mi.labels...), ok
	}
	for _, m := range selector.FindAllStringSubmatch(code, -1) {
		labels, ok := labelsOf(m[1])
		if !ok {
			continue
		}
		for _, lm := range matcher.FindAllStringSubmatch(m[2], -1) {
			if lm[1] != "__name__" && !slices.Contains(labels, lm[1]) {
				problems = append(problems, fmt.Sprintf("label %q is not a label of %s (%s)", lm[1], m[1], strings.Join(labels, ", ")))
			}
		}
	}
	for _, m := range labelValues.FindAllStringSubmatch(code, -1) {
		if labels, ok := labelsOf(m[1]); ok && !slices.Contains(labels, m[2]) {
			problems = append(problems, fmt.Sprintf("label_values: %q is not a label of %s", m[2], m[1]))
		}
	}
	if !lenient && len(seen) > 0 {
		for _, m := range grouping.FindAllStringSubmatch(code, -1) {
			for _, l := range strings.Split(m[1], ",") {
				if l = strings.TrimSpace(l); l != "" && !slices.Contains(usable, l) {
					var of []string
					for id := range seen {
						of = append(of, id)
					}
					sort.Strings(of)
					problems = append(problems, fmt.Sprintf("label %q in by/without/on/ignoring/group_* is not a label of %s", l, strings.Join(of, ", ")))
				}
			}
		}
	}
	return problems
}

// stripStringsAndComments blanks PromQL string literals ("...", '...',
// `...`) and # comments, keeping the quotes so selectors still parse.
func stripStringsAndComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\'', '`':
			b.WriteByte(c)
			for i++; i < len(s) && s[i] != c; i++ {
				if s[i] == '\\' && c != '`' {
					i++
				}
			}
			b.WriteByte(c)
		case '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func names(metrics map[string]metricInfo) string {
	var l []string
	for n := range metrics {
		l = append(l, n)
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}

// headingAnchors returns the GitHub anchors of a Markdown file's headings.
func headingAnchors(md string) []string {
	var out []string
	inCode := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
