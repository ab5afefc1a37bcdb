package rawjson

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"unicode/utf8"
)

// members decodes the members of a JSON object with encoding/json, in
// order: the reference for Object.
func members(data []byte) (keys []string, values [][]byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, false
		}
		keys, values = append(keys, tok.(string)), append(values, v)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, false
	}
	return keys, values, true
}

func checkObject(t *testing.T, data []byte) {
	t.Helper()
	var o Object
	o.Reset(data)
	var keys []string
	var values [][]byte
	decoded := true
	for o.Next() {
		k, ok := o.KeyString()
		decoded = decoded && ok && o.KeyIs(k)
		keys, values = append(keys, k), append(values, o.Value())
	}
	refKeys, refValues, valid := members(data)
	if !valid || !json.Valid(data) || !utf8.Valid(data) {
		// Only never panicking is promised. Invalid UTF-8 never gets
		// here: the token decoder refuses it, and encoding/json would
		// replace it.
		return
	}
	if o.Failed() || !decoded {
		t.Fatalf("%q: valid object failed (keys decoded: %v)", data, decoded)
	}
	if len(keys) != len(refKeys) {
		t.Fatalf("%q: keys %q, want %q", data, keys, refKeys)
	}
	for i := range keys {
		if keys[i] != refKeys[i] || !bytes.Equal(values[i], refValues[i]) {
			t.Fatalf("%q: member %d = %q:%s, want %q:%s", data, i, keys[i], values[i], refKeys[i], refValues[i])
		}
		isNull := string(values[i]) == "null" // encoding/json accepts null as anything
		var s string
		if json.Unmarshal(values[i], &s) == nil && !isNull {
			got, ok := StringOf(values[i])
			if !ok || got != s || !Equal(values[i], s) || (s != "" && Equal(values[i], s[:len(s)-1])) {
				t.Fatalf("%q: StringOf(%s) = %q %v, want %q", data, values[i], got, ok, s)
			}
		} else if _, ok := StringOf(values[i]); ok {
			t.Fatalf("%q: StringOf(%s) succeeded on a non-string", data, values[i])
		}
		var f float64
		fok := json.Unmarshal(values[i], &f) == nil && !isNull
		if g, ok := NumberOf(values[i]); ok != fok || (ok && g != f) {
			t.Fatalf("%q: NumberOf(%s) = %v %v, want %v %v", data, values[i], g, ok, f, fok)
		}
		var arr []json.RawMessage
		if json.Unmarshal(values[i], &arr) == nil && !isNull {
			var a Array
			a.Reset(values[i])
			n := 0
			for a.Next() {
				if n >= len(arr) || !bytes.Equal(a.Value(), arr[n]) {
					t.Fatalf("%q: element %d = %s", data, n, a.Value())
				}
				n++
			}
			if a.Failed() || n != len(arr) {
				t.Fatalf("%q: %d elements, want %d (failed %v)", data, n, len(arr), a.Failed())
			}
		}
	}
}

var seeds = []string{
	`{}`,
	` { "a" : 1 , "b":[1,2,{"c":"}"}], "d":"x\"y\\", "e":null,"f":true,"g":false} `,
	`{"realm_access":{"roles":["admin","user"]},"https://myapp.example.com/roles":["a"]}`,
	`{"k\u0065y":"v\u00e9","\\":"\\\\","":""}`,
	`{"n":-1.5e+3,"z":0,"big":1e400}`,
	`{"a":[[[[]]]],"b":{"c":{"d":{}}}}`,
	`{"a":"\ud83d\ude00","b":"\ud800"}`,
	`{"a":1,}`, `{"a"}`, `{"a":}`, `{`, `[1,2]`, `{"a":"unterminated}`, `{"a":0x10}`, `{"a":01}`,
	`{"a":[1,2,]}`, `{"a":1}x`, ``, `"s"`,
}

func TestObject(t *testing.T) {
	for _, s := range seeds {
		checkObject(t, []byte(s))
	}
}

func TestEqualAndKinds(t *testing.T) {
	cases := []struct {
		v    string
		s    string
		want bool
	}{
		{`"acme"`, "acme", true},
		{`"acme"`, "acm", false},
		{`"ac\u006de"`, "acme", true},
		{`"a\\b"`, `a\b`, true},
		{`"a\\b"`, `a\\b`, false},
		{`"a\"b"`, `a"b`, true},
		{`""`, "", true},
		{`"x"`, "", false},
		{`acme`, "acme", false},
		{`["acme"]`, "acme", false},
		{`"acme" `, "acme", false},
		{`"a\qb"`, "a?b", false},
		{`"`, "", false},
	}
	for _, tc := range cases {
		if got := Equal([]byte(tc.v), tc.s); got != tc.want {
			t.Errorf("Equal(%s, %q) = %v", tc.v, tc.s, got)
		}
	}
	kinds := map[string]Kind{`"x"`: KindString, `1`: KindNumber, `-2`: KindNumber, `true`: KindBool, `false`: KindBool,
		`null`: KindNull, `{}`: KindObject, `[]`: KindArray, ``: KindInvalid, `x`: KindInvalid}
	for v, k := range kinds {
		if KindOf([]byte(v)) != k {
			t.Errorf("KindOf(%s) = %d, want %d", v, KindOf([]byte(v)), k)
		}
	}
	for _, bad := range []string{`0x10`, `1_000`, `Inf`, `-Inf`, `NaN`, `01`, `1.`, `.5`, `1e`, `-`, `1e400`} {
		if f, ok := NumberOf([]byte(bad)); ok {
			t.Errorf("NumberOf(%s) = %v", bad, f)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	data := []byte(`{"iss":"https://t.example/","https://myapp.example.com/roles":["admin","user"],"org_id":"acme","realm_access":{"roles":["a","b"]}}`)
	n := testing.AllocsPerRun(100, func() {
		var o Object
		for o.Reset(data); o.Next(); {
			if o.KeyIs("org_id") && !Equal(o.Value(), "acme") {
				t.Fatal("org_id")
			}
			if o.KeyIs("realm_access") {
				var in Object
				for in.Reset(o.Value()); in.Next(); {
					var a Array
					for a.Reset(in.Value()); a.Next(); {
						_, _ = StringOf(a.Value())
					}
				}
			}
		}
	})
	if n != 0 {
		t.Errorf("allocs = %v", n)
	}
}

// FuzzObject: Object and Array never panic, and on valid JSON they agree
// with encoding/json member for member.
func FuzzObject(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkObject(t, data)
		var a Array
		for a.Reset(data); a.Next(); {
			_ = a.Value()
		}
	})
}
