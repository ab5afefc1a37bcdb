package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

const doctorSynopsis = "jwtguard doctor -issuer ISS -audience AUD [-jwks-uri URL] [-algs LIST] [-timeout D] [-json]"

// slow is the answer time over which doctor warns.
const slow = time.Second

// Finding levels.
const (
	levelOK   = "ok"
	levelWarn = "warn"
	levelFail = "fail"
)

// finding is one line of doctor's report.
type finding struct {
	Level  string `json:"level"`
	Check  string `json:"check"`
	Detail string `json:"detail"`
	Hint   string `json:"hint,omitempty"`
}

// doctorOutput is doctor's JSON output.
type doctorOutput struct {
	Healthy  bool      `json:"healthy"`
	Findings []finding `json:"findings"`
}

type doctor struct {
	issuer, jwksURI string
	audiences       []string
	algs            []jwks.Alg
	timeout         time.Duration
	client          *http.Client
	findings        []finding
}

func (d *doctor) add(level, check, detail, hint string) {
	d.findings = append(d.findings, finding{Level: level, Check: check, Detail: detail, Hint: hint})
}

func (a *app) doctor(args []string) int {
	fs := a.newFlags("doctor", doctorSynopsis)
	issuer := fs.String("issuer", "", "the issuer, exactly as the API is configured with it (`URL`, required)")
	var audiences stringList
	fs.Var(&audiences, "audience", "an audience the API accepts, its identifier (required; repeat for several)")
	jwksURI := fs.String("jwks-uri", "", "the JWKS `URL` the API is configured with, instead of discovery")
	algs := algList{}
	fs.Var(&algs, "algs", "comma-separated allowed algorithms (default every asymmetric one)")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for each answer")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := a.parse(fs, args)
	if err != nil {
		return exitFor(err)
	}
	switch {
	case len(pos) != 0:
		return a.usageError(fs, "doctor takes no argument, got %q", pos)
	case *issuer == "":
		return a.usageError(fs, "-issuer is required")
	case len(audiences) == 0:
		return a.usageError(fs, "-audience is required")
	case *timeout <= 0:
		return a.usageError(fs, "-timeout must be positive")
	}
	allowed := algs.asymmetric()
	if len(algs) == 0 {
		allowed = jwks.AsymmetricAlgs
	}
	d := &doctor{issuer: *issuer, jwksURI: *jwksURI, audiences: audiences, algs: allowed, timeout: *timeout,
		client: &http.Client{Timeout: *timeout}}
	d.run()

	out := doctorOutput{Healthy: true, Findings: d.findings}
	fails, warns := 0, 0
	for _, f := range d.findings {
		switch f.Level {
		case levelFail:
			fails++
			out.Healthy = false
		case levelWarn:
			warns++
		}
	}
	if *asJSON {
		writeJSON(a.stdout, out)
	} else {
		a.printFindings(a.stdout, d.findings, fails, warns)
	}
	if !out.Healthy {
		return exitFailed
	}
	return exitOK
}

func (a *app) printFindings(w io.Writer, fs []finding, fails, warns int) {
	width := 0
	for _, f := range fs {
		width = max(width, len(f.Check))
	}
	for _, f := range fs {
		status := a.paint(green, "ok  ")
		switch f.Level {
		case levelWarn:
			status = a.paint(yellow, "warn")
		case levelFail:
			status = a.paint(red, "FAIL")
		}
		line := fmt.Sprintf("%s  %-*s  %s", status, width, f.Check, oneLine(f.Detail))
		if f.Hint != "" {
			line += "  " + a.paint(yellow, "hint:") + " " + oneLine(f.Hint)
		}
		fmt.Fprintln(w, line)
	}
	plural := func(n int, s string) string {
		if n == 1 {
			return "1 " + s
		}
		return strconv.Itoa(n) + " " + s + "s"
	}
	switch {
	case fails > 0:
		fmt.Fprintln(w, a.paint(red, "broken: "+plural(fails, "problem")+" will make the validator refuse tokens"))
	case warns > 0:
		fmt.Fprintln(w, a.paint(green, "healthy")+" ("+plural(warns, "warning")+")")
	default:
		fmt.Fprintln(w, a.paint(green, "healthy"))
	}
}

func (d *doctor) run() {
	if !d.checkIssuerURL() {
		return
	}
	for _, aud := range d.audiences {
		d.checkAudience(aud)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	// The validator's own key source, started first so that it works
	// while the documents are read below.
	src, srcErr := keySource(d.issuer, d.jwksURI, d.algs, d.timeout)
	if srcErr == nil {
		defer src.Close()
	}
	jwksURI := d.jwksURI
	published := ""
	if jwksURI == "" {
		jwksURI, published = d.checkDiscovery(ctx)
	} else {
		d.add(levelOK, "discovery", "not used: the API is configured with -jwks-uri "+jwksURI, "")
	}
	if jwksURI != "" {
		d.checkJWKS(ctx, jwksURI)
	}
	if srcErr != nil {
		d.add(levelFail, "validator", "the validator cannot be configured with these settings: "+srcErr.Error(), "")
		return
	}
	err := waitKeys(ctx, src, d.issuer)
	var me *errMismatch
	switch {
	case errors.As(err, &me) || published != "" && published != d.issuer:
		if me == nil {
			me = &errMismatch{configured: d.issuer, published: published}
		}
		d.add(levelFail, "issuer", me.Error()+"; tokens carry "+strconv.Quote(me.published)+
			", so the validator refuses every token (issuer_mismatch) and is not Ready",
			"configure the issuer exactly as "+strconv.Quote(me.published)+": issuers are compared byte for byte (OIDC Discovery section 4.3)")
	case err != nil:
		d.add(levelFail, "validator", "the validator's key source loaded no keys: "+err.Error(),
			"until it does, every token is refused with keys_unavailable (503)")
	default:
		set := src.Keys()
		d.add(levelOK, "validator", fmt.Sprintf("the validator's key source loaded %d key(s): %s", set.Len(), quoteAll(set.KIDs())), "")
		if d.jwksURI == "" {
			d.add(levelOK, "issuer", "the discovery document names the issuer "+strconv.Quote(d.issuer)+", byte for byte", "")
		}
	}
}

// checkIssuerURL: an absolute URL, https (plain http only to loopback).
func (d *doctor) checkIssuerURL() bool {
	u, err := url.Parse(d.issuer)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		d.add(levelFail, "issuer", strconv.Quote(d.issuer)+" is not an absolute http(s) URL", "an issuer is the URL tokens carry in iss, e.g. https://tenant.eu.auth0.com/")
		return false
	case u.RawQuery != "" || u.Fragment != "":
		d.add(levelFail, "issuer", strconv.Quote(d.issuer)+" has a query or fragment, which an issuer never has (RFC 8414 section 2)", "")
		return false
	case u.Scheme == "https":
		d.add(levelOK, "issuer", strconv.Quote(d.issuer)+" is https", "")
	case isLoopback(u.Hostname()):
		d.add(levelOK, "issuer", strconv.Quote(d.issuer)+" is plain http to loopback: accepted for tests, never in production", "")
	default:
		d.add(levelFail, "issuer", strconv.Quote(d.issuer)+" is plain http: keys fetched over it can be swapped by anyone on the path, so the validator refuses to fetch them",
			"use the https issuer (jwks.InsecureAllowHTTP exists for closed networks only)")
	}
	if d.jwksURI != "" {
		if u, err := url.Parse(d.jwksURI); err != nil || u.Host == "" {
			d.add(levelFail, "jwks", strconv.Quote(d.jwksURI)+" is not an absolute URL", "")
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var (
	auth0ClientID = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	guid          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// checkAudience warns about an audience shaped like a client id: the aud
// of ID tokens, which the validator refuses, rather than of access tokens.
func (d *doctor) checkAudience(aud string) {
	q := strconv.Quote(aud)
	switch {
	case auth0ClientID.MatchString(aud):
		d.add(levelWarn, "audience", q+" looks like an Auth0 client ID (32 letters and digits), the aud of ID tokens",
			"an Auth0 access token carries the API identifier as aud (APIs > Settings > Identifier, e.g. https://api.example.com): configure that")
	case guid.MatchString(aud):
		d.add(levelWarn, "audience", q+" is a GUID: right if it is the application (client) ID of this API's own Entra ID app registration, "+
			"which v2.0 access tokens carry as aud; wrong if it is the client application's ID, the aud of its ID tokens",
			"for Entra ID, accept both the app's client ID and its Application ID URI (api://...) with middleware.WithAudiences")
	case strings.Contains(aud, "://") || strings.HasPrefix(aud, "urn:"):
		d.add(levelOK, "audience", q+" is a URI, as API identifiers usually are", "")
	default:
		d.add(levelWarn, "audience", q+" is not a URI: fine if the authorization server names this API so (Keycloak audience mappers, Okta custom audiences), "+
			"but check it is the API's identifier, not a client ID", "")
	}
}

// fetched is one document read by doctor itself, to see its headers and
// its answer time as well.
type fetched struct {
	status  int
	header  http.Header
	body    []byte
	elapsed time.Duration
}

func (d *doctor) get(ctx context.Context, u, accept string) (*fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwks.MaxDocumentBytes+1))
	f := &fetched{status: resp.StatusCode, header: resp.Header, body: body, elapsed: time.Since(start)}
	if err != nil {
		return f, err
	}
	return f, nil
}

func (d *doctor) timing(check, what string, f *fetched) {
	if f.elapsed > slow {
		d.add(levelWarn, check, fmt.Sprintf("%s answered in %s, over %s", what, elapsed(f.elapsed), slow),
			"a request whose token names a new kid waits for the key fetch at most jwks.WithMaxWait (default 2 s); a slow IdP makes those requests slow or 503")
	}
}

// checkDiscovery reads the metadata documents as jwks.Discover does (OIDC
// first, then RFC 8414) and returns the jwks_uri and the issuer the
// document names.
func (d *doctor) checkDiscovery(ctx context.Context) (jwksURI, published string) {
	var problems []string
	for _, u := range jwks.DiscoveryURLs(d.issuer) {
		f, err := d.get(ctx, u, "application/json")
		if err != nil {
			problems = append(problems, u+": "+err.Error())
			continue
		}
		if f.status != http.StatusOK {
			problems = append(problems, fmt.Sprintf("%s: HTTP %d", u, f.status))
			continue
		}
		var md struct {
			Issuer  *string `json:"issuer"`
			JWKSURI *string `json:"jwks_uri"`
		}
		if err := json.Unmarshal(f.body, &md); err != nil {
			problems = append(problems, u+": not a JSON metadata document: "+err.Error())
			continue
		}
		d.add(levelOK, "discovery", fmt.Sprintf("%s answered %d in %s", u, f.status, elapsed(f.elapsed)), "")
		d.timing("discovery", u, f)
		if md.Issuer != nil {
			published = *md.Issuer
		}
		if md.JWKSURI == nil || *md.JWKSURI == "" {
			d.add(levelFail, "discovery", u+" has no jwks_uri", "the authorization server must publish its keys' location (OIDC Discovery section 3)")
			return "", published
		}
		jwksURI = *md.JWKSURI
		ju, err := url.Parse(jwksURI)
		switch {
		case err != nil || ju.Host == "":
			d.add(levelFail, "discovery", "jwks_uri "+strconv.Quote(jwksURI)+" is not an absolute URL", "")
			return "", published
		case ju.Scheme != "https" && strings.HasPrefix(d.issuer, "https:"):
			d.add(levelFail, "discovery", "jwks_uri "+strconv.Quote(jwksURI)+" is not https, but the issuer is: the validator refuses to fetch keys over it", "")
		case ju.Scheme != "https" && !isLoopback(ju.Hostname()):
			d.add(levelFail, "discovery", "jwks_uri "+strconv.Quote(jwksURI)+" is plain http: the validator refuses to fetch keys over it", "")
		}
		return jwksURI, published
	}
	d.add(levelFail, "discovery", "no discovery document could be read: "+strings.Join(problems, "; "),
		"check the issuer URL; an issuer without discovery needs the API configured with its JWKS URL (jwks.WithFallbackJWKS, or -jwks-uri here)")
	return "", ""
}

// checkJWKS reads the key set: answer, Cache-Control, and every key,
// usable or dropped and why (jwks.ParseJWKS, as the validator parses it).
func (d *doctor) checkJWKS(ctx context.Context, u string) {
	f, err := d.get(ctx, u, "application/jwk-set+json, application/json")
	switch {
	case err != nil:
		d.add(levelFail, "jwks", u+": "+err.Error(), "")
		return
	case f.status != http.StatusOK:
		d.add(levelFail, "jwks", fmt.Sprintf("%s: HTTP %d", u, f.status), "")
		return
	}
	d.add(levelOK, "jwks", fmt.Sprintf("%s answered %d in %s", u, f.status, elapsed(f.elapsed)), "")
	d.timing("jwks", u, f)
	d.checkCacheControl(f.header)
	set, err := jwks.ParseJWKS(f.body, d.algs)
	if err != nil {
		d.add(levelFail, "jwks", "not a usable JWK Set: "+err.Error(), "")
		return
	}
	for _, k := range set.Keys() {
		d.add(levelOK, "key", fmt.Sprintf("kid %s: %s, bound to %s, thumbprint %s", strconv.Quote(k.ID()), keyType(k), k.Alg(), k.Thumbprint()), "")
	}
	for _, e := range set.Dropped() {
		var ke *jwks.KeyError
		if !errors.As(e, &ke) {
			d.add(levelWarn, "key", e.Error(), "")
			continue
		}
		level, hint := dropLevel(ke.Reason)
		d.add(level, "key", fmt.Sprintf("key %d (kid %s) dropped: %s", ke.Index, strconv.Quote(ke.KID), ke.Reason), hint)
	}
	if set.Len() == 0 {
		d.add(levelFail, "jwks", "no usable key: every token will be refused (keys_unavailable)",
			"the JWKS must publish the public keys the tokens are signed with, each of an allowed algorithm (-algs)")
	}
}

// dropLevel grades a dropped key: a key that publishes a secret or is
// weak is a failure; a key for another use is as it should be; anything
// else is a warning, since tokens signed with it are refused (unknown_kid).
func dropLevel(reason string) (string, string) {
	switch {
	case strings.Contains(reason, "symmetric (oct)"):
		return levelFail, "the JWKS publishes a symmetric secret: anyone can read it and sign tokens with it; remove it from the JWKS and rotate it"
	case strings.Contains(reason, "private key material"):
		return levelFail, "the JWKS publishes a private key: anyone can sign tokens with it; remove it and rotate the key"
	case strings.Contains(reason, jwks.ErrWeakKey.Error()), strings.Contains(strings.ToLower(reason), "modulus too small"):
		return levelFail, "tokens signed with this key are refused (unknown_kid): the issuer must sign with a key of at least 2048 bits (RSA) or a valid curve point (EC, Ed25519), and rotate this one out"
	case strings.Contains(reason, `is not "sig"`), strings.Contains(reason, "key_ops does not include"):
		return levelOK, ""
	case strings.Contains(reason, "not allowed"), strings.Contains(reason, "no allowed algorithm"):
		return levelWarn, "tokens signed with this key are refused (unknown_kid): allow its algorithm (-algs, middleware.WithAlgorithms) if the issuer signs with it"
	}
	return levelWarn, "tokens signed with this key are refused (unknown_kid)"
}

func (d *doctor) checkCacheControl(h http.Header) {
	cc := strings.Join(h.Values("Cache-Control"), ", ")
	lc := strings.ToLower(cc)
	switch {
	case cc == "":
		d.add(levelWarn, "jwks", "no Cache-Control on the JWKS answer: the validator refreshes the keys every "+jwks.DefaultRefreshInterval.String(),
			"the authorization server should say how long its keys may be cached (Cache-Control: max-age=...); jwks.WithRefreshInterval sets it otherwise")
	case strings.Contains(lc, "no-store") || strings.Contains(lc, "no-cache"):
		d.add(levelWarn, "jwks", "Cache-Control "+strconv.Quote(cc)+": the validator refetches the keys every "+jwks.MinCacheTTL.String()+", its shortest interval", "")
	default:
		d.add(levelOK, "jwks", "Cache-Control "+strconv.Quote(cc), "")
	}
}

// elapsed renders an answer time to the millisecond.
func elapsed(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

func keyType(k *jwks.Key) string {
	switch p := k.PublicKey().(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", p.N.BitLen())
	case *ecdsa.PublicKey:
		return "EC " + p.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return "HMAC"
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
