package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// printJSONBlock prints a titled JSON object, indented, or says why
// there is none.
func (a *app) printJSONBlock(w io.Writer, title string, raw []byte, none string) {
	fmt.Fprintln(w, a.paint(bold, title))
	if raw == nil {
		fmt.Fprintln(w, "  ("+none+")")
		return
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "  ", "  "); err != nil {
		fmt.Fprintln(w, "  ("+none+")")
		return
	}
	fmt.Fprintln(w, "  "+displayable(buf.String()))
}

// displayable makes text from a token safe to print on a terminal:
// invalid UTF-8 becomes U+FFFD, and control and format characters (escape
// sequences, bidirectional overrides) become \uXXXX escapes, which is
// still valid JSON inside a JSON string. Newlines and tabs of the
// indentation stay.
func displayable(s string) string {
	return escapeControls(strings.ToValidUTF8(s, "\uFFFD"))
}

// oneLine makes a message fit one line: joined errors are separated by
// "; " instead of newlines.
func oneLine(s string) string {
	return displayable(strings.ReplaceAll(strings.TrimSpace(s), "\n", "; "))
}

// escapeControls replaces control and format characters but newline and
// tab with \uXXXX.
func escapeControls(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validJSON returns raw as valid UTF-8 JSON (invalid bytes, which can
// only be inside strings, become U+FFFD), or nil.
func validJSON(raw []byte) json.RawMessage {
	if raw == nil {
		return nil
	}
	if !utf8.Valid(raw) {
		raw = []byte(strings.ToValidUTF8(string(raw), "\uFFFD"))
	}
	if !json.Valid(raw) {
		return nil
	}
	return raw
}

// timeClaims are the claims shown as dates.
var timeClaims = []string{"exp", "nbf", "iat", "auth_time"}

// claimTime is one date claim, for display.
type claimTime struct {
	Claim    string `json:"claim"`
	UTC      string `json:"utc"`
	Relative string `json:"relative"`
}

// times reads the date claims of a payload.
func times(raw []byte, now time.Time) []claimTime {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []claimTime
	for _, name := range timeClaims {
		v, ok := m[name]
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 253402300799 {
			out = append(out, claimTime{Claim: name, UTC: "not a date: " + displayable(string(v)), Relative: ""})
			continue
		}
		sec, frac := math.Modf(f)
		t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
		out = append(out, claimTime{Claim: name, UTC: t.Format(time.RFC3339), Relative: relative(t.Sub(now))})
	}
	return out
}

func (a *app) printTimes(w io.Writer, ts []claimTime) {
	for _, t := range ts {
		fmt.Fprintf(w, "  %-10s %-20s  %s\n", t.Claim, t.UTC, t.Relative)
	}
}

// relative renders d from now: "in 59m", "3h ago", "now".
func relative(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s == 0:
		return "now"
	case s > 0:
		return "in " + approx(s)
	}
	return approx(-s) + " ago"
}

// approx renders n seconds in at most two units: 45s, 59m5s, 3h, 3h5m,
// 2d3h.
func approx(n int64) string {
	const m, h, d = 60, 3600, 86400
	two := func(a int64, ua string, b int64, ub string) string {
		s := strconv.FormatInt(a, 10) + ua
		if b > 0 {
			s += strconv.FormatInt(b, 10) + ub
		}
		return s
	}
	switch {
	case n < m:
		return strconv.FormatInt(n, 10) + "s"
	case n < h:
		return two(n/m, "m", n%m, "s")
	case n < d:
		return two(n/h, "h", n%h/m, "m")
	}
	return two(n/d, "d", n%d/h, "h")
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
