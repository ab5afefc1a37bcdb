package jwks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// object is one JSON object's members by exact name. encoding/json matches
// struct fields case-insensitively and lets a repeated member silently win,
// so a document such as {"use":"enc","USE":"sig"} would read differently here
// and in jwx. Members are therefore read by exact name (RFC 7517 section 4
// member names are case-sensitive) and a repeated name refuses the object
// (RFC 8259 section 4: names SHOULD be unique; RFC 7515 section 4 requires a
// parser to reject or use the last, and we reject).
type object map[string]json.RawMessage

// parseObject reads one JSON object, refusing anything else and repeated
// member names.
func parseObject(data []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	obj := object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string) // the decoder only yields strings as names
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := obj[name]; dup {
			return nil, fmt.Errorf("member %q repeated", name)
		}
		obj[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	// Only JSON whitespace may follow (RFC 8259 section 2). Asking the
	// decoder for another token is not enough: it reports invalid trailing
	// bytes ("A0", "]", NUL) as an error, which looks like the end.
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) != 0 {
		return nil, errors.New("data after the JSON object")
	}
	return obj, nil
}

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
