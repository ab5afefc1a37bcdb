package middleware

import "testing"

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
