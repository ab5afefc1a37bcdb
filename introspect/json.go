package introspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects in an answer; real
// answers nest three or four levels (Keycloak's resource_access).
const MaxDepth = 32

// maxNumericDate is 9999-12-31T23:59:59Z, as in package middleware.
const maxNumericDate = 253402300799

// object is one JSON object's members by exact name. encoding/json matches
// struct fields case-insensitively and lets a repeated member silently win,
// so {"active":false,"active":true} or {"aud":"x","AUD":"y"} would read
// differently here and elsewhere. Members are read by exact name and a
// repeated name refuses the whole answer (RFC 8259 section 4).
type object map[string]json.RawMessage

// parseObject reads one JSON document that must be an object: valid UTF-8,
// nesting at most MaxDepth, no member name repeated in any object at any
// depth, nothing after it.
func parseObject(data []byte) (object, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	if err := checkStructure(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	obj := object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string) // object keys are always strings
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		obj[name] = v // checkStructure refused repeated names
	}
	return obj, nil
}

// checkStructure walks the whole document with the tokenizer: one value,
// nothing after it, depth at most MaxDepth, no repeated member names.
func checkStructure(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

func walk(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	if depth >= MaxDepth {
		return fmt.Errorf("nested deeper than %d", MaxDepth)
	}
	switch d {
	case '{':
		seen := map[string]struct{}{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := tok.(string)
			if _, dup := seen[name]; dup {
				return fmt.Errorf("member %q repeated", truncate(name))
			}
			seen[name] = struct{}{}
			if err := walk(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := walk(dec, depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// truncate shortens a member name taken from an answer for an error
// message (for logs; never shown to clients).
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// str returns the string member name. present is false when it is absent;
// a member that is present but not a string (null included) is an error.
func (o object) str(name string) (val string, present bool, err error) {
	raw, ok := o[name]
	if !ok {
		return "", false, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, fmt.Errorf("member %q is not a string", name)
	}
	if err := json.Unmarshal(raw, &val); err != nil {
		return "", true, fmt.Errorf("member %q: %v", name, err)
	}
	return val, true, nil
}

// date returns the NumericDate member name (RFC 7519 section 2): a JSON
// number of seconds, fractions allowed, within [0, 9999-12-31].
func (o object) date(name string) (t time.Time, present bool, err error) {
	raw, ok := o[name]
	if !ok {
		return time.Time{}, false, nil
	}
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return time.Time{}, true, fmt.Errorf("member %q is not a number", name)
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f < 0 || f > maxNumericDate || math.IsNaN(f) {
		return time.Time{}, true, fmt.Errorf("member %q is not a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// strings returns a member that is a string or an array of strings (aud,
// RFC 7519 section 4.1.3), always as a slice; "" and [] give nil.
func (o object) strings(name string) ([]string, error) {
	raw, ok := o[name]
	if !ok {
		return nil, nil
	}
	switch {
	case len(raw) > 0 && raw[0] == '"':
		s, _, err := o.str(name)
		if err != nil || s == "" {
			return nil, err
		}
		return []string{s}, nil
	case len(raw) > 0 && raw[0] == '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, fmt.Errorf("member %q: %v", name, err)
		}
		var out []string
		for _, e := range elems {
			if len(e) == 0 || e[0] != '"' {
				return nil, fmt.Errorf("member %q holds a value that is not a string", name)
			}
			var s string
			if err := json.Unmarshal(e, &s); err != nil {
				return nil, fmt.Errorf("member %q: %v", name, err)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("member %q is neither a string nor an array of strings", name)
}
