package grpcguard

import (
	"context"

	"google.golang.org/grpc"
)

// Unary returns the unary server interceptor: it authorizes the call
// before the handler runs and hands the handler a ctx carrying the claims.
// A refusal sets the "www-authenticate" (and "dpop-nonce") trailer; a call
// served with a DPoP-bound token gets a "dpop-nonce" header when the
// validator uses nonces.
//
// Interceptors compose: a call that an interceptor of the same validator
// further out in the chain authenticated is not authenticated again (its
// DPoP proof would be refused as a replay), only checked against this
// Guard's table; an interceptor of another validator authenticates it
// itself.
func (g *Guard) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		claims, scheme, reused, e := g.authorize(ctx, info.FullMethod)
		if e != nil {
			if md := g.trailer(e); md != nil {
				grpc.SetTrailer(ctx, md)
			}
			return nil, statusOf(e)
		}
		if md := g.nonceHeader(scheme); md != nil && !reused {
			grpc.SetHeader(ctx, md)
		}
		ctx, _ = g.withClaims(ctx, claims, scheme)
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
		claims, scheme, reused, e := g.authorize(ctx, info.FullMethod)
		if e != nil {
			if md := g.trailer(e); md != nil {
				ss.SetTrailer(md)
			}
			return statusOf(e)
		}
		if md := g.nonceHeader(scheme); md != nil && !reused {
			ss.SetHeader(md)
		}
		if c, added := g.withClaims(ctx, claims, scheme); added {
			ss = &serverStream{ServerStream: ss, ctx: c}
		}
		return handler(srv, ss)
	}
}

// serverStream is a grpc.ServerStream whose Context carries the claims.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context that carries the verified claims.
func (s *serverStream) Context() context.Context { return s.ctx }
