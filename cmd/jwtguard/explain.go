package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/middleware"
)

const explainSynopsis = "jwtguard explain -issuer ISS -audience AUD [-jwks-uri URL] [-namespace NS] [-permissions] [-scope S]... [-leeway D] [-json] TOKEN"

// explainOutput is explain's JSON output: the report, with the date
// claims read for display.
type explainOutput struct {
	*middleware.Report
	Times []claimTime `json:"times,omitempty"`
}

func (a *app) explain(args []string) int {
	fs := a.newFlags("explain", explainSynopsis)
	issuer := fs.String("issuer", "", "the issuer, exactly as the API is configured with it (`URL`, required)")
	var audiences, namespaces stringList
	var scopes scopeList
	algs := algList{}
	fs.Var(&audiences, "audience", "an audience the API accepts, its identifier (required; repeat for several)")
	jwksURI := fs.String("jwks-uri", "", "fetch the keys from this JWKS `URL` instead of the issuer's discovery document")
	fs.Var(&namespaces, "namespace", "a custom-claim namespace, as middleware.WithNamespace (repeatable)")
	fs.Var(&scopes, "scope", "a scope the route requires (repeatable, or several separated by spaces)")
	permissions := fs.Bool("permissions", false, "count Auth0's permissions claim as scopes (the adapters' WithPermissions)")
	leeway := fs.Duration("leeway", middleware.DefaultLeeway, "clock skew tolerated on exp, nbf and iat")
	fs.Var(&algs, "algs", "comma-separated allowed algorithms (default every asymmetric one)")
	strict := fs.Bool("strict-typ", false, "require typ at+jwt (middleware.WithStrictTokenType)")
	at := fs.String("at", "", "explain as of this `time` (RFC 3339) instead of now")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the keys")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := a.parse(fs, args)
	if err != nil {
		return exitFor(err)
	}
	switch {
	case len(pos) != 1:
		return a.usageError(fs, "explain needs exactly one TOKEN (\"-\" reads standard input), got %d arguments", len(pos))
	case *issuer == "":
		return a.usageError(fs, "-issuer is required")
	case len(audiences) == 0:
		return a.usageError(fs, "-audience is required")
	case *timeout <= 0:
		return a.usageError(fs, "-timeout must be positive")
	}
	now := a.now
	var xopts []middleware.ExplainOption
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return a.usageError(fs, "-at: %v", err)
		}
		now = func() time.Time { return t }
		xopts = append(xopts, middleware.ExplainAt(t))
	}
	if len(scopes) > 0 {
		xopts = append(xopts, middleware.ExplainRequirement(scopes, *permissions))
	}
	tok, err := a.readToken(pos[0])
	if err != nil {
		fmt.Fprintln(a.stderr, "jwtguard explain:", err)
		return exitUsage
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	src, err := keySource(*issuer, *jwksURI, algs.asymmetric(), *timeout)
	if err != nil {
		fmt.Fprintln(a.stderr, "jwtguard explain: configuration:", err)
		return exitUsage
	}
	defer src.Close()
	opts := []middleware.Option{
		middleware.WithKeys(src),
		middleware.WithLeeway(*leeway),
		middleware.WithTokenCache(0),
		middleware.WithClock(a.now),
	}
	if len(audiences) > 1 {
		opts = append(opts, middleware.WithAudiences(audiences[1:]...))
	}
	if len(namespaces) > 0 {
		opts = append(opts, middleware.WithNamespace(namespaces...))
	}
	if len(algs) > 0 {
		opts = append(opts, middleware.WithAlgorithms(algs...))
	}
	if *strict {
		opts = append(opts, middleware.WithStrictTokenType())
	}
	v, err := middleware.New(*issuer, audiences[0], opts...)
	if err != nil {
		fmt.Fprintln(a.stderr, "jwtguard explain: configuration:", err)
		return exitUsage
	}
	keysErr := waitKeys(ctx, src, *issuer)
	r := v.Explain(ctx, tok, xopts...)
	r.Header, r.Claims = validJSON(r.Header), validJSON(r.Claims)

	out := explainOutput{Report: r}
	if r.Claims != nil {
		out.Times = times(r.Claims, now())
	}
	if *asJSON {
		writeJSON(a.stdout, out)
	} else {
		a.printReport(a.stdout, &out)
	}
	switch {
	case r.Accepted:
		return exitOK
	case r.Reason == middleware.ReasonKeysUnavailable:
		why := "none were loaded"
		if keysErr != nil {
			why = oneLine(keysErr.Error())
		}
		fmt.Fprintf(a.stderr, "jwtguard explain: the keys of %s could not be fetched: %s\n"+
			"jwtguard explain: the token was not judged on its key and signature, and that is not the token's fault (jwtguard doctor says more)\n", *issuer, why)
		return exitUsage
	case keysErr != nil:
		fmt.Fprintf(a.stderr, "jwtguard explain: note: the keys of %s could not be fetched: %s\n", *issuer, oneLine(keysErr.Error()))
	}
	return exitFailed
}

// printReport prints the header, the claims and their dates, one line
// per check, and the verdict.
func (a *app) printReport(w io.Writer, out *explainOutput) {
	r := out.Report
	a.printJSONBlock(w, "header (unverified)", r.Header, "not decodable")
	a.printJSONBlock(w, "claims (unverified)", r.Claims, "not decodable")
	if len(out.Times) > 0 {
		a.printTimes(w, out.Times)
	}
	fmt.Fprintln(w, a.paint(bold, "checks"))
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		status := a.paint(green, "ok  ")
		switch {
		case c.Skipped:
			status = a.paint(dim, "skip")
		case !c.OK:
			status = a.paint(red, "FAIL")
		}
		line := fmt.Sprintf("  %s  %-*s  %s", status, width, c.Name, oneLine(c.Detail))
		if c.Hint != "" {
			line += "  " + a.paint(yellow, "hint:") + " " + oneLine(c.Hint)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if r.Accepted {
		fmt.Fprintln(w, a.paint(green, "accepted"))
		return
	}
	fmt.Fprintln(w, a.paint(red, "refused: "+string(r.Reason)))
}
