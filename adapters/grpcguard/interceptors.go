package grpcguard

import (
	"context"

	"google.golang.org/grpc"

	"github.com/jwtguard/jwtguard/internal/authctx"
)

// Unary returns the unary server interceptor: it authorizes the call
// before the handler runs and hands the handler a ctx carrying the claims.
// A refusal sets the "www-authenticate" (and "dpop-nonce") trailer; a call
// served with a DPoP-bound token gets a "dpop-nonce" header when the
// validator uses nonces.
func (g *Guard) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		claims, scheme, e := g.authorize(ctx, info.FullMethod)
		if e != nil {
			if md := g.trailer(e); md != nil {
				grpc.SetTrailer(ctx, md)
			}
			return nil, statusOf(e)
		}
		if md := g.nonceHeader(scheme); md != nil {
			grpc.SetHeader(ctx, md)
		}
		if claims != nil {
			ctx = authctx.With(ctx, claims)
		}
		return handler(ctx, req)
	}
}

// Stream returns the stream server interceptor: it authorizes the call
// before the handler runs, so a refused stream ends before its first
// message, and hands the handler a stream whose Context carries the
// claims. Trailers and headers are those of Unary.
func (g *Guard) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		claims, scheme, e := g.authorize(ctx, info.FullMethod)
		if e != nil {
			if md := g.trailer(e); md != nil {
				ss.SetTrailer(md)
			}
			return statusOf(e)
		}
		if md := g.nonceHeader(scheme); md != nil {
			ss.SetHeader(md)
		}
		if claims == nil {
			return handler(srv, ss)
		}
		return handler(srv, &serverStream{ServerStream: ss, ctx: authctx.With(ctx, claims)})
	}
}

// serverStream is a grpc.ServerStream whose Context carries the claims.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context that carries the verified claims.
func (s *serverStream) Context() context.Context { return s.ctx }
