package jose

import (
	"encoding/base64"
	"unsafe"
)

// Encoding is strict base64url without padding (RFC 7515 section 2): no
// "=", no "+" or "/", and no non-zero trailing bits.
var Encoding = base64.RawURLEncoding.Strict()

// DecodeSegment decodes one base64url segment into dst, which must have
// room for base64.RawURLEncoding.DecodedLen(len(seg)) bytes. Go's decoder
// skips CR and LF: a caller must refuse them first (SplitFast and Split
// do).
func DecodeSegment(dst []byte, seg string) ([]byte, bool) {
	n, err := Encoding.Decode(dst, BytesOf(seg))
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}

// DecodeSegmentString decodes one base64url segment into a new buffer.
func DecodeSegmentString(seg string) ([]byte, bool) {
	return DecodeSegment(make([]byte, base64.RawURLEncoding.DecodedLen(len(seg))), seg)
}

// BytesOf views s as bytes without copying; the result must not be
// modified.
func BytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
