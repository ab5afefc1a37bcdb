package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
)

// TestSpecialMask checks the eight-bytes-at-a-time test of ReadString for
// every byte value at every position, after plain bytes and after another
// special byte: the lowest flagged byte must be the first special one, and
// a word without one must give zero.
func TestSpecialMask(t *testing.T) {
	isSpecial := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			for _, fill := range []byte{'a', 'Z', ' ', '~', '"', 0x7f} {
				w := []byte("abcdefgh")
				for i := pos + 1; i < 8; i++ {
					w[i] = fill
				}
				w[pos] = byte(c)
				first := -1
				for i, x := range w {
					if isSpecial(x) {
						first = i
						break
					}
				}
				m := specialMask(binary.LittleEndian.Uint64(w))
				switch {
				case first < 0 && m != 0:
					t.Fatalf("%q: plain word flagged %#x", w, m)
				case first >= 0 && (m == 0 || bits.TrailingZeros64(m)>>3 != first):
					t.Fatalf("%q: first special at %d, mask %#x", w, first, m)
				}
			}
		}
	}
}

// TestReadStringFastPath compares ReadString with encoding/json on strings
// whose special byte sits at every offset around the eight-byte stride.
func TestReadStringFastPath(t *testing.T) {
	for _, special := range []string{`\"`, `\\`, `\u00e9`, "é", "\x01", "\xff"} {
		for n := 0; n < 20; n++ {
			in := `"` + strings.Repeat("x", n) + special + strings.Repeat("y", 9) + `"`
			var r Reader
			r.data = []byte(in)
			got, ok := r.ReadString()
			var want string
			err := json.Unmarshal([]byte(in), &want)
			if special == "\xff" {
				// encoding/json replaces invalid UTF-8; jwtguard refuses it.
				err = ErrUTF8
			}
			if ok != (err == nil) || (ok && got != want) {
				t.Errorf("ReadString(%q) = %q, %v; encoding/json: %q, %v", in, got, ok, want, err)
			}
		}
	}
	// The closing quote at every offset ends the string right there.
	for n := 0; n < 20; n++ {
		var r Reader
		r.data = []byte(`"` + strings.Repeat("x", n) + `"yyyyyyyyy"`)
		got, ok := r.ReadString()
		if !ok || got != strings.Repeat("x", n) || r.pos != n+2 {
			t.Errorf("n=%d: ReadString = %q, %v, pos %d", n, got, ok, r.pos)
		}
	}
}

// TestReadNumberFastPath checks the integer fast path of ReadNumber against
// the ParseFloat path around its bounds.
func TestReadNumberFastPath(t *testing.T) {
	for _, in := range []string{"0", "7", "1700000000", "999999999999999", "1000000000000000",
		"9007199254740993", "-1", "1.5", "1e3", "253402300799"} {
		var r Reader
		r.data = []byte(in)
		got, ok := r.ReadNumber()
		var want float64
		if err := json.Unmarshal([]byte(in), &want); err != nil || !ok || got != want {
			t.Errorf("ReadNumber(%q) = %v, %v; want %v (%v)", in, got, ok, want, err)
		}
	}
}
