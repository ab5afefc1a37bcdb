package jose

import (
	"bytes"
	"testing"
)

func TestDecodeLenient(t *testing.T) {
	for _, tc := range []struct {
		seg  string
		want []byte
	}{
		{"eyJhIjoxfQ", []byte(`{"a":1}`)},
		{"eyJhIjoxfQ==", []byte(`{"a":1}`)},  // padding
		{"eyJ hIjo\nxfQ", []byte(`{"a":1}`)}, // whitespace
		{"-_-_", []byte{0xfb, 0xff, 0xbf}},   // base64url
		{"+/+/", []byte{0xfb, 0xff, 0xbf}},   // the standard alphabet
		{"!!!", nil},                         // not base64
	} {
		if got := DecodeLenient(tc.seg); !bytes.Equal(got, tc.want) {
			t.Errorf("DecodeLenient(%q) = %q, want %q", tc.seg, got, tc.want)
		}
	}
}

func TestIsB64Token(t *testing.T) {
	for s, want := range map[string]bool{
		"a-b_c~d+e/f==": true, "abc": true, "a.b.c": true, "=": false, "": false,
		"a=b": false, "a b": false, "a!": false, "jgt_x": true, "ory_at_x.y": true,
	} {
		if got := IsB64Token(s); got != want {
			t.Errorf("IsB64Token(%q) = %v, want %v", s, got, want)
		}
	}
}
