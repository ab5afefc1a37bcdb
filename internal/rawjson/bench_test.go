package rawjson

import "testing"

const benchPayload = `{"https://myapp.example.com/roles":["admin","editor"],"iss":"https://tenant.eu.auth0.com/",` +
	`"sub":"auth0|64f1c2a9b8e7d6c5b4a30001","aud":["https://contacts.example.com","https://tenant.eu.auth0.com/userinfo"],` +
	`"iat":1790000000,"exp":1790086400,"scope":"openid profile email read:contacts write:contacts",` +
	`"azp":"kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU","permissions":["read:contacts","write:contacts"]}`

func BenchmarkScan(b *testing.B) {
	data := []byte(benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		var o Object
		n := 0
		for o.Reset(data); o.Next(); {
			if o.KeyIs("permissions") {
				n++
			}
		}
		if n != 1 {
			b.Fatal(n)
		}
	}
}
