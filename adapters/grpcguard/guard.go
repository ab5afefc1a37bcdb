package grpcguard

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/authctx"
	"github.com/jwtguard/jwtguard/internal/methodtable"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Guard holds a validator and a checked method table; its Unary and Stream
// interceptors share them. A Guard is immutable and safe for concurrent
// use.
type Guard struct {
	v     *middleware.Validator
	table *methodtable.Table
	cfg   *config
}

// New checks methods (full method names, valid requirements, no conflict
// with the public services declared by options) and returns a Guard. The
// table is copied: changing methods later changes nothing.
func New(v *middleware.Validator, methods Methods, opts ...Option) (*Guard, error) {
	if v == nil {
		return nil, errors.New("grpcguard: nil validator")
	}
	cfg := newConfig(opts)
	if err := dpop.CheckExternalURL(cfg.externalURL); err != nil {
		return nil, fmt.Errorf("grpcguard: %w", err)
	}
	if cfg.nilCerts {
		return nil, errors.New("grpcguard: WithClientCertificates given a nil extractor")
	}
	t, err := methodtable.Compile(methods, cfg.public, naming, nil)
	if err != nil {
		return nil, err
	}
	return &Guard{v: v, table: t, cfg: cfg}, nil
}

// Unary returns the unary server interceptor of New(v, methods, opts...),
// for grpc.ChainUnaryInterceptor. It panics where New returns an error:
// the mistake shows at start-up, never as an open method.
func Unary(v *middleware.Validator, methods Methods, opts ...Option) grpc.UnaryServerInterceptor {
	return must(New(v, methods, opts...)).Unary()
}

// Stream returns the stream server interceptor of New(v, methods, opts...),
// for grpc.ChainStreamInterceptor. It panics where New returns an error.
func Stream(v *middleware.Validator, methods Methods, opts ...Option) grpc.StreamServerInterceptor {
	return must(New(v, methods, opts...)).Stream()
}

func must(g *Guard, err error) *Guard {
	if err != nil {
		panic(err)
	}
	return g
}

// decision is an authenticated call waiting for its requirement to be
// checked: the requirement of its method, and the claims of a valid token
// and the scheme they came with (nil claims on a public method called
// without a valid token).
type decision struct {
	req    scopecheck.Requirement
	claims *middleware.Claims
	scheme string
	// reused is true when an interceptor of the same validator further
	// out authenticated the call already: its claims are checked against
	// this table and the call is not authenticated again, which would
	// refuse its DPoP proof as a replay (RFC 9449 section 11.1).
	reused bool
	method string
}

// authenticate finds the requirement of fullMethod and the claims of the
// call: it returns the *middleware.Error that refuses the call before any
// requirement is checked (an unlisted method, no or a bad token). Public
// methods are never refused; their handlers see the claims of a valid
// token and none otherwise. Errors know the scheme used and what the
// validator accepts, so the challenge is the one net/http sends (RFC 9449
// section 7.1).
func (g *Guard) authenticate(ctx context.Context, fullMethod string) (decision, *middleware.Error) {
	_, req, ok := g.table.Match(fullMethod)
	if !ok {
		// Fail closed, before looking at the token: scopecheck's own
		// answer for a resource that states no requirement.
		return decision{}, middleware.AsError(g.v.Annotate(scopecheck.Requirement{}.Check(scopecheck.Granted{}), ""))
	}
	d := decision{req: req, method: fullMethod}
	d.claims, d.scheme, d.reused = authctx.ClaimsBy[middleware.Claims](ctx, g.v)
	if !d.reused {
		var err error
		d.claims, d.scheme, err = g.credentials(ctx, fullMethod)
		if err != nil {
			if req.IsPublic() {
				return decision{req: req, method: fullMethod}, nil
			}
			return decision{}, middleware.AsError(err)
		}
	}
	return d, nil
}

// check checks the requirement of d against its claims and the request
// message msg (nil when there is none yet). A public method with no valid
// token passes.
func (g *Guard) check(d *decision, msg any) *middleware.Error {
	if d.claims == nil && d.req.IsPublic() {
		return nil
	}
	if err := scopecheck.CheckRequest(d.req, d.claims, g.cfg.permissions, &call{method: d.method, msg: msg}); err != nil {
		return middleware.AsError(g.v.Annotate(err, d.scheme))
	}
	return nil
}

// call is the scopecheck.Request of a gRPC call: its full method name and
// request message. gRPC has no path parameters: requirements read fields
// of the message with scopecheck.EqualsRequest and scopecheck.Field.
type call struct {
	method string
	msg    any
}

func (c *call) Method() string              { return c.method }
func (c *call) Param(string) (string, bool) { return "", false }
func (c *call) Message() any                { return c.msg }

// withClaims returns ctx with claims, verified by g.v, as its innermost
// claims, and whether it had to add them: the handler behind g sees g's
// claims even when an interceptor of another validator ran in between.
func (g *Guard) withClaims(ctx context.Context, claims *middleware.Claims, scheme string) (context.Context, bool) {
	if claims == nil || authctx.Value(ctx) == any(claims) {
		return ctx, false
	}
	return authctx.WithAuth(ctx, authctx.Auth{By: g.v, Claims: claims, Scheme: scheme}), true
}

// credentials reads the credentials of a call and validates them: the
// "authorization" metadata with the Bearer (RFC 6750 section 2.1) or DPoP
// scheme, and for DPoP the "dpop" metadata holding the proof, checked
// against method POST and the call's URI (RFC 9449 section 7.1).
func (g *Guard) credentials(ctx context.Context, fullMethod string) (*middleware.Claims, string, error) {
	// ValueFromIncomingContext reads one key without copying the whole
	// metadata, as FromIncomingContext would on every call.
	vals := metadata.ValueFromIncomingContext(ctx, AuthorizationKey)
	switch len(vals) {
	case 0:
		return nil, "", g.v.Annotate(middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken,
			"no bearer token in the authorization metadata"), "")
	case 1:
	default:
		return nil, "", g.v.Annotate(middleware.NewError(middleware.ErrInvalidRequest, middleware.ReasonInvalidRequest,
			"the request has more than one authorization metadata value"), "")
	}
	creds, err := middleware.CredentialsFromAuthorization(vals[0], nil)
	if err != nil {
		return nil, "", g.v.Annotate(err, "")
	}
	if creds.Scheme == middleware.SchemeDPoP {
		creds.Proofs = metadata.ValueFromIncomingContext(ctx, ProofKey)
		creds.Method = http.MethodPost
		creds.URL = g.callURL(ctx, fullMethod)
	}
	creds.ClientCertificate = func() (*x509.Certificate, error) { return g.clientCertificate(ctx) }
	c, err := g.v.Authenticate(ctx, creds)
	return c, creds.Scheme, err
}

// clientCertificate returns the client certificate of the call of ctx,
// for a certificate-bound token (RFC 8705): the TLS peer's, or a trusted
// proxy's metadata header's (WithClientCertificates).
func (g *Guard) clientCertificate(ctx context.Context) (*x509.Certificate, error) {
	ext := g.cfg.certs
	if ext == nil {
		ext = defaultExtractor
	}
	var p mtls.Peer
	if pr, ok := peer.FromContext(ctx); ok {
		if pr.Addr != nil {
			p.Addr = pr.Addr.String()
		}
		if info, ok := pr.AuthInfo.(credentials.TLSInfo); ok {
			p.TLS = &info.State
		}
	}
	return ext.FromPeer(p, func(name string) []string { return metadata.ValueFromIncomingContext(ctx, strings.ToLower(name)) })
}

// defaultExtractor reads the peer's verified TLS certificate only.
var defaultExtractor, _ = mtls.New()
