package scopecheck

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// golden compares got with testdata/name, or writes it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func orgParam() Requirement { return Claim("org_id").EqualsParam("org") }

func TestString(t *testing.T) {
	cases := []struct {
		r    Requirement
		want string
	}{
		{All("read:contacts"), "read:contacts"},
		{All("a", "b"), "a AND b"},
		{Any("a", "b"), "a OR b"},
		{And(All("read:contacts"), orgParam()), "read:contacts AND org_id == {org}"},
		{And(All("read:audit"), ACR(mfa), MaxAge(300*time.Second)),
			`read:audit AND acr in ["` + mfa + `"] AND auth_time within 300s`},
		{Or(All("a", "b"), Any("c")), "(a AND b) OR c"},
		{And(Any("a", "b"), All("c", "d")), "(a OR b) AND c AND d"},
		{Or(And(Any("a", "b"), Machine()), User()), "((a OR b) AND machine token) OR user token"},
		{And(Or(All("a"))), "a"},
		{Claim("realm_access.roles").Includes("admin"), `realm_access.roles includes "admin"`},
		{Claim("https://myapp.example.com/roles").Includes("admin"), `https://myapp.example.com/roles includes "admin"`},
		{ClaimPath("resource_access", "my.app", "roles").Includes("admin"), `resource_access["my.app"].roles includes "admin"`},
		{Claim("org_id").Equals(`ac"me`), `org_id == "ac\"me"`},
		{Claim("org_id").OneOf("acme", "globex"), `org_id in ["acme", "globex"]`},
		{Claim("org_id").EqualsRequest("org", Field(func(*struct{}) string { return "" })), "org_id == {org}"},
		{And(Client("billing"), Machine()), `client_id in ["billing"] AND machine token`},
		{Public, "public"},
		{Authenticated, "authenticated"},
		{Requirement{}, "unset"},
	}
	for _, tc := range cases {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// TestRequirementJSON: every kind in its JSON form (golden).
func TestRequirementJSON(t *testing.T) {
	reqs := []Requirement{
		Public, Authenticated, {},
		All("read:contacts", "write:contacts"), Any("a", "b"),
		And(All("read:contacts"), orgParam()),
		Or(Claim("org_id").Equals("acme"), Claim("org_id").OneOf("acme", "globex")),
		Claim("realm_access.roles").Includes("admin"),
		ClaimPath("resource_access", "my.app", "roles").Includes("admin"),
		Claim("org_id").EqualsRequest("org", func(Request) (string, bool) { return "", false }),
		And(Client("billing", "reports"), Machine()), User(),
		And(All("read:audit"), ACR(mfa), MaxAge(300*time.Second)),
	}
	var b bytes.Buffer
	for _, r := range reqs {
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	golden(t, "requirements.golden.jsonl", b.Bytes())
	for _, bad := range []Requirement{All(), Claim("").Equals("x"), MaxAge(time.Millisecond)} {
		if _, err := json.Marshal(bad); err == nil {
			t.Errorf("%s marshalled", bad)
		}
	}
}
