package jwks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jwtguard/jwtguard/internal/jsonscan"
)

// object is one JSON object's members by exact name. encoding/json matches
// struct fields case-insensitively and lets a repeated member silently win,
// so a document such as {"use":"enc","USE":"sig"} would read differently here
// and in jwx. Members are therefore read by exact name (RFC 7517 section 4
// member names are case-sensitive) and a repeated name refuses the object
// (RFC 8259 section 4: names SHOULD be unique; RFC 7515 section 4 requires a
// parser to reject or use the last, and we reject).
type object map[string]json.RawMessage

// parseObject reads one JSON object with the reader that reads tokens
// (internal/jsonscan), so that every document jwtguard decides on follows
// the same rules: anything but one object, a repeated member name, invalid
// UTF-8 (RFC 8259 section 8.1), nesting deeper than jsonscan.MaxDepth, a
// number beyond float64 range and data after the object are refused. The
// values are views of data, which must not change while they are in use.
func parseObject(data []byte) (object, error) {
	var r jsonscan.Reader
	r.Reset(data)
	obj := object{}
	for r.Next() {
		name := strings.Clone(r.Key()) // a view of data otherwise
		v, ok := r.SkipValue()
		if !ok {
			break
		}
		obj[name] = v
	}
	switch err := r.Err(); {
	case err == jsonscan.ErrDuplicate:
		return nil, &jsonError{fmt.Sprintf("member %q repeated", r.Key()), err}
	case err != nil:
		return nil, &jsonError{strings.TrimPrefix(err.Error(), "jsonscan: "), err}
	}
	return obj, nil
}

// jsonError is an error of parseObject: a message without the internal
// package's name, and the jsonscan error for errors.Is.
type jsonError struct {
	msg string
	err error
}

func (e *jsonError) Error() string { return e.msg }
func (e *jsonError) Unwrap() error { return e.err }

// str returns the string member name. present is false when the member is
// absent; a member that is present but not a string (null included) is an
// error.
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
