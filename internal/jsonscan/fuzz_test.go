package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// readerMembers walks data with Reader and returns its top-level
// members (raw values), or the reader's error.
func readerMembers(data []byte) (map[string][]byte, error) {
	var r Reader
	r.Reset(data)
	out := map[string][]byte{}
	for r.Next() {
		k := r.Key()
		v, ok := r.SkipValue()
		if !ok {
			break
		}
		out[k] = v
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	return out, nil
}

// jsonDuplicateOrDepth reports whether data, which encoding/json accepts,
// has a duplicate top-level member name, or nests deeper than the reader
// allows, by walking encoding/json's tokens.
func jsonDuplicateOrDepth(data []byte) (dup bool, depth int) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		keyNext bool
		seen    map[string]bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return dup, depth
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object && top.keyNext {
				if d, ok := tok.(json.Delim); !ok || d != '}' {
					k := tok.(string)
					if len(stack) == 1 && top.seen[k] {
						dup = true
					}
					top.seen[k] = true
					top.keyNext = false
					continue
				}
			} else if top.object {
				top.keyNext = true
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, frame{object: tok == json.Delim('{'), keyNext: tok == json.Delim('{'), seen: map[string]bool{}})
			depth = max(depth, len(stack))
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].keyNext = true
			}
		}
	}
}

// FuzzJSONReader: the hot-path JSON reader against encoding/json. Where
// both accept, every top-level member has the same raw value. The reader
// may refuse what encoding/json accepts only for a duplicate member name,
// nesting beyond MaxDepth, invalid UTF-8, or a number out of float64
// range (which encoding/json cannot decode either); it never accepts what
// encoding/json refuses.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, `{"a":1,"a":2}`, `{"\u0061":1,"a":2}`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `{"a":1e400}`, `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		` { "a" : -0.0e+1 } `, `{"a":01}`, `{"a":1}x`, `{}`, `[]`, `null`, ` null `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, err := readerMembers(data)
		var ref map[string]json.RawMessage
		refErr := json.Unmarshal(data, &ref)
		if err == nil {
			if refErr != nil {
				t.Fatalf("reader accepts what encoding/json refuses (%v): %q", refErr, data)
			}
			if len(ours) != len(ref) {
				t.Fatalf("members %d vs %d: %q", len(ours), len(ref), data)
			}
			for k, v := range ours {
				if !bytes.Equal(v, ref[k]) {
					t.Fatalf("member %q = %q, encoding/json %q", k, v, ref[k])
				}
			}
			return
		}
		if refErr != nil {
			return // both refuse
		}
		dup, depth := jsonDuplicateOrDepth(data)
		var anyVal any
		switch {
		case errors.Is(err, ErrDuplicate) && dup:
		case errors.Is(err, ErrDepth) && depth > MaxDepth:
		case errors.Is(err, ErrUTF8) && !utf8.Valid(data):
		case errors.Is(err, ErrSyntax) && json.Unmarshal(data, &anyVal) != nil:
			// A number beyond float64 range: encoding/json cannot decode it.
		case errors.Is(err, ErrNotObject) && ref == nil:
			// encoding/json decodes a top-level null into a nil map; a
			// token's header and claims must be objects (RFC 7515 section
			// 4, RFC 7519 section 7.2).
		default:
			t.Fatalf("reader refuses (%v) what encoding/json accepts: %q", err, data)
		}
	})
}
