package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jwtguard/jwtguard/internal/jose"
)

const decodeSynopsis = "jwtguard decode [-json] TOKEN"

// unverified is the first line of decode: nothing it prints is checked.
const unverified = "UNVERIFIED: decoded only; no signature, issuer, audience or date is checked (jwtguard explain checks them)"

// decodeOutput is decode's JSON output.
type decodeOutput struct {
	Verified bool            `json:"verified"`
	Note     string          `json:"note"`
	Header   json.RawMessage `json:"header"`
	Claims   json.RawMessage `json:"claims"`
	Times    []claimTime     `json:"times,omitempty"`
}

func (a *app) decode(args []string) int {
	fs := a.newFlags("decode", decodeSynopsis)
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := a.parse(fs, args)
	if err != nil {
		return exitFor(err)
	}
	if len(pos) != 1 {
		return a.usageError(fs, "decode needs exactly one TOKEN (\"-\" reads standard input)")
	}
	tok, err := a.readToken(pos[0])
	if err != nil {
		fmt.Fprintln(a.stderr, "jwtguard decode:", err)
		return exitUsage
	}
	segs := strings.Split(tok, ".")
	out := decodeOutput{Note: unverified}
	var problem string
	switch len(segs) {
	case 3:
		out.Header, out.Claims = validJSON(jose.DecodeLenient(segs[0])), validJSON(jose.DecodeLenient(segs[1]))
		if out.Claims == nil {
			problem = "the payload is not base64url JSON"
		}
	case 5:
		out.Header = validJSON(jose.DecodeLenient(segs[0]))
		problem = "the token is a JWE (5 segments): its claims are encrypted"
	default:
		problem = fmt.Sprintf("the token is not a JWT: %d characters in %d dot-separated segment(s), opaque (a JWS has 3, a JWE 5)", len(tok), len(segs))
	}
	if out.Header == nil && problem == "" || out.Header == nil && len(segs) == 5 {
		problem = "the header is not base64url JSON"
	}
	if out.Claims != nil {
		out.Times = times(out.Claims, a.now())
	}
	if *asJSON {
		writeJSON(a.stdout, out)
	} else {
		w := a.stdout
		fmt.Fprintln(w, a.paint(yellow, unverified))
		a.printJSONBlock(w, "header", out.Header, "none")
		a.printJSONBlock(w, "claims", out.Claims, "none")
		if len(out.Times) > 0 {
			fmt.Fprintln(w, a.paint(bold, "times"))
			a.printTimes(w, out.Times)
		}
	}
	if problem != "" {
		fmt.Fprintln(a.stderr, "jwtguard decode:", problem)
		return exitFailed
	}
	return exitOK
}
