package jsonscan

// ReadStrings reads a JSON array of strings, appending them to dst (an
// empty slice whose spare capacity the caller lends, or nil). The result is
// nil, not empty, for "[]".
func (r *Reader) ReadStrings(dst []string) ([]string, bool) {
	if r.Peek() != '[' {
		return nil, r.fail(ErrSyntax)
	}
	r.pos++
	r.skipWS()
	if r.Peek() == ']' {
		r.pos++
		return nil, true
	}
	out := dst[:0]
	for {
		r.skipWS()
		s, ok := r.ReadString()
		if !ok {
			return nil, false
		}
		if cap(out) == 0 {
			out = make([]string, 0, 4) // aud and permissions are short
		}
		out = append(out, s)
		r.skipWS()
		switch r.Peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return out, true
		default:
			return nil, r.fail(ErrSyntax)
		}
	}
}

// SkipValue validates and skips any JSON value, returning its bytes.
func (r *Reader) SkipValue() ([]byte, bool) {
	start := r.pos
	if !r.skip(0) {
		return nil, false
	}
	return r.data[start:r.pos], true
}

func (r *Reader) skip(depth int) bool {
	if depth > MaxDepth {
		return r.fail(ErrDepth)
	}
	switch c := r.Peek(); {
	case c == '"':
		_, ok := r.ReadString()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		_, ok := r.ReadNumber()
		return ok
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	case c == '[':
		return r.skipComposite(depth, ']', false)
	case c == '{':
		return r.skipComposite(depth, '}', true)
	}
	return r.fail(ErrSyntax)
}

// skipComposite skips an array or object. Duplicate names inside nested
// objects are not checked: a caller that decides on a nested object reads
// it with a Reader of its own (the value SkipValue returns).
func (r *Reader) skipComposite(depth int, end byte, object bool) bool {
	r.pos++
	r.skipWS()
	if r.Peek() == end {
		r.pos++
		return true
	}
	for {
		r.skipWS()
		if object {
			if _, ok := r.ReadString(); !ok {
				return false
			}
			r.skipWS()
			if r.Peek() != ':' {
				return r.fail(ErrSyntax)
			}
			r.pos++
			r.skipWS()
		}
		if !r.skip(depth + 1) {
			return false
		}
		r.skipWS()
		switch r.Peek() {
		case ',':
			r.pos++
		case end:
			r.pos++
			return true
		default:
			return r.fail(ErrSyntax)
		}
	}
}

func (r *Reader) literal(lit string) bool {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		return r.fail(ErrSyntax)
	}
	r.pos += len(lit)
	return true
}

// ReadStringTyped reads a string value; a value of another type is
// skipped, and is a type error: ok false while Err stays nil (unless the
// value was not valid JSON either).
func (r *Reader) ReadStringTyped() (string, bool) {
	if r.Peek() != '"' {
		r.SkipValue()
		return "", false
	}
	return r.ReadString()
}

// ReadStringOrStrings reads a string or an array of strings, as the aud and
// scp claims allow (RFC 7519 section 4.1.3), appending to dst as
// ReadStrings does; single reports a string. A value of another type, or
// an array holding a non-string, is a type error as for ReadStringTyped.
func (r *Reader) ReadStringOrStrings(dst []string) (list []string, single, ok bool) {
	switch r.Peek() {
	case '"':
		s, ok := r.ReadString()
		return append(dst[:0], s), true, ok
	case '[':
		save := r.pos
		list, ok := r.ReadStrings(dst)
		if !ok && r.err != nil && r.err == ErrSyntax {
			// An array holding a non-string: a type error, not bad JSON,
			// when the array itself is well-formed.
			r.err, r.pos = nil, save
			if _, valid := r.SkipValue(); valid {
				return nil, false, false
			}
		}
		return list, false, ok
	}
	r.SkipValue()
	return nil, false, false
}
