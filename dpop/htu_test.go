package dpop

import "testing"

func TestNormalizeHTU(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://API.Example.com:443/a/b?q=1#f", "https://api.example.com/a/b"},
		{"http://h:80", "http://h/"},
		{"http://h:8080/", "http://h:8080/"},
		{"https://h/a/./b/../c", "https://h/a/c"},
		{"https://h/%7euser/%2f", "https://h/~user/%2F"},
		{"https://[::1]:443/x", "https://[::1]/x"},
	}
	for _, c := range cases {
		got, ok := normalizeHTU(c.in)
		if !ok || got != c.want {
			t.Errorf("normalizeHTU(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"", "/relative", "ftp://h/x", "mailto:a@b", "https://"} {
		if _, ok := normalizeHTU(bad); ok {
			t.Errorf("normalizeHTU(%q) accepted", bad)
		}
	}
}
