package middleware

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
)

// TestSpecialMask checks the eight-bytes-at-a-time test of readString for
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

// TestReadStringFastPath compares readString with encoding/json on strings
// whose special byte sits at every offset around the eight-byte stride.
func TestReadStringFastPath(t *testing.T) {
	for _, special := range []string{`\"`, `\\`, `\u00e9`, "é", "\x01", "\xff"} {
		for n := 0; n < 20; n++ {
			in := `"` + strings.Repeat("x", n) + special + strings.Repeat("y", 9) + `"`
			var r objectReader
			r.data = []byte(in)
			got, ok := r.readString()
			var want string
			err := json.Unmarshal([]byte(in), &want)
			if special == "\xff" {
				// encoding/json replaces invalid UTF-8; jwtguard refuses it.
				err = errJSONUTF8
			}
			if ok != (err == nil) || (ok && got != want) {
				t.Errorf("readString(%q) = %q, %v; encoding/json: %q, %v", in, got, ok, want, err)
			}
		}
	}
	// The closing quote at every offset ends the string right there.
	for n := 0; n < 20; n++ {
		var r objectReader
		r.data = []byte(`"` + strings.Repeat("x", n) + `"yyyyyyyyy"`)
		got, ok := r.readString()
		if !ok || got != strings.Repeat("x", n) || r.pos != n+2 {
			t.Errorf("n=%d: readString = %q, %v, pos %d", n, got, ok, r.pos)
		}
	}
}

// TestReadNumberFastPath checks the integer fast path of readNumber against
// the ParseFloat path around its bounds.
func TestReadNumberFastPath(t *testing.T) {
	for _, in := range []string{"0", "7", "1700000000", "999999999999999", "1000000000000000",
		"9007199254740993", "-1", "1.5", "1e3", "253402300799"} {
		var r objectReader
		r.data = []byte(in)
		got, ok := r.readNumber()
		var want float64
		if err := json.Unmarshal([]byte(in), &want); err != nil || !ok || got != want {
			t.Errorf("readNumber(%q) = %v, %v; want %v (%v)", in, got, ok, want, err)
		}
	}
}

// TestClaimListsShareStorage checks the inline storage of aud, scp and
// permissions: lists stay separate, an append by a caller never writes over
// the next list, and lists beyond the inline room still decode.
func TestClaimListsShareStorage(t *testing.T) {
	for _, tc := range []struct {
		payload           string
		aud, scp, perms   []string
		inlineAfterDecode int
	}{
		{`{"aud":"a","permissions":["p1","p2"]}`, []string{"a"}, nil, []string{"p1", "p2"}, 3},
		{`{"aud":["a","b"],"scp":["s1"],"permissions":["p1","p2","p3"]}`,
			[]string{"a", "b"}, []string{"s1"}, []string{"p1", "p2", "p3"}, 6},
		{`{"permissions":["p1","p2","p3","p4","p5"],"aud":["a","b"],"scp":"s1 s2"}`,
			[]string{"a", "b"}, []string{"s1", "s2"}, []string{"p1", "p2", "p3", "p4", "p5"}, 5},
		{`{"aud":[],"permissions":[]}`, nil, nil, nil, 0},
	} {
		var cs claimSet
		if e := decodeClaims([]byte(tc.payload), &cs); e != nil {
			t.Fatalf("%s: %v", tc.payload, e)
		}
		c := &cs.Claims
		if !equalStrings(c.Audience, tc.aud) || !equalStrings(c.SCP, tc.scp) || !equalStrings(c.Permissions, tc.perms) {
			t.Errorf("%s: aud %q scp %q permissions %q", tc.payload, c.Audience, c.SCP, c.Permissions)
		}
		if cs.nstrs != tc.inlineAfterDecode {
			t.Errorf("%s: %d inline elements, want %d", tc.payload, cs.nstrs, tc.inlineAfterDecode)
		}
		_ = append(c.Audience, "x")
		_ = append(c.SCP, "x")
		if !equalStrings(c.Permissions, tc.perms) || !equalStrings(c.SCP, tc.scp) {
			t.Errorf("%s: an append to aud or scp changed another list", tc.payload)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
