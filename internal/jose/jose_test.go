package jose

import (
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/jsonscan"
)

// TestSplit pins the fault of each shape; middleware's shape tests check
// the reasons it maps them to.
func TestSplit(t *testing.T) {
	const hdr = "eyJhbGciOiJSUzI1NiJ9" // {"alg":"RS256"}
	for _, tc := range []struct {
		tok  string
		want Fault
		bad  byte
	}{
		{hdr + ".e30.c2ln", NoFault, 0},
		{hdr + ".e30.", NoFault, 0},
		{"opaque", Opaque, 0},
		{"ory_at_abc.def", Opaque, 0},
		{"a+.b.c", Alphabet, '+'},
		{"a.b=.c", Alphabet, '='},
		{"a.b\n.c", Alphabet, '\n'},
		{"a.b.c.d.e", Encrypted, 0},
		{hdr + ".e30", Damaged, 0},
		{".e30.c2ln", Empty, 0},
		{hdr + "..c2ln", Empty, 0},
	} {
		p, f, bad := Split(tc.tok)
		if f != tc.want || bad != tc.bad {
			t.Errorf("Split(%q) = fault %d, %q; want %d, %q", tc.tok, f, bad, tc.want, tc.bad)
		}
		if f == NoFault && p.SigningInput+"."+p.Signature != tc.tok {
			t.Errorf("Split(%q) = %+v", tc.tok, p)
		}
		if fp, ok := SplitFast(tc.tok); ok && f == NoFault && fp != p {
			t.Errorf("SplitFast(%q) = %+v, Split %+v", tc.tok, fp, p)
		}
	}
}

// TestDecodeSegmentStrict: padding, the standard alphabet and non-zero
// trailing bits are refused (RFC 7515 section 2).
func TestDecodeSegmentStrict(t *testing.T) {
	for seg, ok := range map[string]bool{"e30": true, "e30=": false, "a+b/": false, "e31": false, "": true} {
		if _, got := DecodeSegmentString(seg); got != ok {
			t.Errorf("DecodeSegmentString(%q) = %v, want %v", seg, got, ok)
		}
	}
}

// TestReadDate: a NumericDate is a number within [0, MaxNumericDate].
func TestReadDate(t *testing.T) {
	for in, want := range map[string]bool{"0": true, "1700000000.5": true, "253402300799": true,
		"253402300800": false, "-1": false, `"1700000000"`: false, "null": false, "1e400": false} {
		var r jsonscan.Reader
		r.Reset([]byte(`{"d":` + in + `}`))
		r.Next()
		if _, ok := ReadDate(&r); ok != want {
			t.Errorf("ReadDate(%s) = %v, want %v", in, ok, want)
		}
	}
	if got := DateTime(1700000000.5); !got.Equal(time.Unix(1700000000, 5e8)) {
		t.Errorf("DateTime = %v", got)
	}
}
