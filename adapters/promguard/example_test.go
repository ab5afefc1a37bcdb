package promguard_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// One option wires the metrics: the validator reports every validation,
// and the key source it discovers reports its fetches. Labels never carry
// a value read from a token: a token of an unknown issuer counts as
// "untrusted".
func Example() {
	reg := prometheus.NewRegistry() // prometheus.DefaultRegisterer in production
	m, err := promguard.New(reg)
	if err != nil {
		log.Fatal(err)
	}
	iss, _ := jwtguardtest.NewIssuer() // stands in for Auth0, Okta, Keycloak...
	defer iss.Close()
	stranger, _ := jwtguardtest.NewIssuer()
	defer stranger.Close()
	const api = "https://contacts.example.com"
	v, err := middleware.New(iss.URL(), api, middleware.WithObserver(m))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil { // wait for the issuer's keys
		log.Fatal(err)
	}

	good, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}})
	expired, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}, ExpiresIn: -time.Hour})
	forged, _ := stranger.AccessToken(jwtguardtest.Claims{Subject: "auth0|mallory", Audience: []string{api}})
	for _, tok := range []string{good, good, expired, forged} {
		v.Validate(ctx, tok)
	}

	families, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "jwtguard_validations_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["issuer"] == iss.URL() {
				labels["issuer"] = "<the issuer>"
			}
			fmt.Printf("issuer=%s result=%s reason=%s %v\n", labels["issuer"], labels["result"], labels["reason"], metric.GetCounter().GetValue())
		}
	}
	// Output:
	// issuer=<the issuer> result=refused reason=expired 1
	// issuer=<the issuer> result=accepted reason=none 1
	// issuer=<the issuer> result=cached reason=none 1
	// issuer=untrusted result=refused reason=issuer_mismatch 1
}
