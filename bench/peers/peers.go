package peers

import (
	"context"
	"crypto"
	"fmt"
	"time"

	jwtmw "github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/jwtguard/jwtguard/bench"
)

// Leeway is the clock skew every library is given: jwtguard's default.
const Leeway = 60 * time.Second

// Check validates one token and returns nil when it passes.
type Check func(token string) error

// Lib is one way of validating the fixture's tokens.
type Lib struct {
	Name string
	// New prepares a Check for one algorithm's signer, outside the timed
	// loop: parsers, verifiers and key sets are built once, as a service
	// would at start-up.
	New func(f *bench.Fixture, s *bench.Signer) (Check, error)
}

// Libs lists the floor first (the ratios' denominator), then jwtguard, then
// the peers. Each peer runs its documented, typed path for an access token
// and decodes its registered-claims type only (the cheapest it offers);
// jwtguard also decodes scope, permissions and azp, checks typ and the
// ID-token markers.
var Libs = []Lib{
	{"floor", newFloor},
	{"jwtguard", newJwtguard},
	{"golang-jwt", newGolangJWT},
	{"go-jose", newGoJose},
	{"auth0", newAuth0},
	{"jwx", newJWX},
	{"go-oidc", newOIDC},
}

var errRejected = fmt.Errorf("peers: floor rejected the token")

func newFloor(_ *bench.Fixture, s *bench.Signer) (Check, error) {
	return func(tok string) error {
		if !bench.Floor(s, tok) {
			return errRejected
		}
		return nil
	}, nil
}

// newJwtguard uses a Validator with the token cache off: every call does
// the full validation, as for a token never seen before.
func newJwtguard(f *bench.Fixture, _ *bench.Signer) (Check, error) {
	v, err := f.Validator(0)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	return func(tok string) error {
		_, err := v.Validate(ctx, tok)
		return err
	}, nil
}

func newGolangJWT(_ *bench.Fixture, s *bench.Signer) (Check, error) {
	p := gjwt.NewParser(
		gjwt.WithValidMethods([]string{s.Alg}),
		gjwt.WithIssuer(bench.Issuer),
		gjwt.WithAudience(bench.Audience),
		gjwt.WithExpirationRequired(),
		gjwt.WithLeeway(Leeway))
	pub := s.Public
	keyFunc := func(*gjwt.Token) (any, error) { return pub, nil }
	return func(tok string) error {
		_, err := p.ParseWithClaims(tok, &gjwt.RegisteredClaims{}, keyFunc)
		return err
	}, nil
}

func newGoJose(_ *bench.Fixture, s *bench.Signer) (Check, error) {
	algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(s.Alg)}
	pub := s.Public
	return func(tok string) error {
		t, err := josejwt.ParseSigned(tok, algs)
		if err != nil {
			return err
		}
		var c josejwt.Claims
		if err := t.Claims(pub, &c); err != nil {
			return err
		}
		if c.Expiry == nil {
			return fmt.Errorf("go-jose: no exp")
		}
		return c.ValidateWithLeeway(josejwt.Expected{
			Issuer:      bench.Issuer,
			AnyAudience: josejwt.Audience{bench.Audience},
			Time:        time.Now(),
		}, Leeway)
	}, nil
}

// newAuth0 is auth0/go-jwt-middleware v2 (v2.3.1, the newest major on the
// module proxy), without custom claims.
func newAuth0(_ *bench.Fixture, s *bench.Signer) (Check, error) {
	pub := s.Public
	v, err := jwtmw.New(func(context.Context) (any, error) { return pub, nil },
		jwtmw.SignatureAlgorithm(s.Alg), bench.Issuer, []string{bench.Audience},
		jwtmw.WithAllowedClockSkew(Leeway))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	return func(tok string) error {
		_, err := v.ValidateToken(ctx, tok)
		return err
	}, nil
}

func newJWX(_ *bench.Fixture, s *bench.Signer) (Check, error) {
	var alg jwa.SignatureAlgorithm
	switch s.Alg {
	case "RS256":
		alg = jwa.RS256()
	case "ES256":
		alg = jwa.ES256()
	case "EdDSA":
		alg = jwa.EdDSA()
	default:
		return nil, fmt.Errorf("peers: jwx: no %s here", s.Alg)
	}
	pub := s.Public
	return func(tok string) error {
		_, err := jwxjwt.ParseString(tok,
			jwxjwt.WithKey(alg, pub),
			jwxjwt.WithValidate(true),
			jwxjwt.WithIssuer(bench.Issuer),
			jwxjwt.WithAudience(bench.Audience),
			jwxjwt.WithRequiredClaim("exp"),
			jwxjwt.WithAcceptableSkew(Leeway))
		return err
	}, nil
}

// newOIDC is go-oidc's verifier with a static key set: ClientID is the
// audience the token must contain.
func newOIDC(_ *bench.Fixture, s *bench.Signer) (Check, error) {
	v := oidc.NewVerifier(bench.Issuer,
		&oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{s.Public}},
		&oidc.Config{ClientID: bench.Audience, SupportedSigningAlgs: []string{s.Alg}})
	ctx := context.Background()
	return func(tok string) error {
		_, err := v.Verify(ctx, tok)
		return err
	}, nil
}
