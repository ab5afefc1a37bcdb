package grpcguard

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// callURL is the URI a DPoP proof of a call must name in htu (RFC 9449
// section 4.3): gRPC over HTTP/2 addresses scheme://authority/fullMethod
// (the ":scheme", ":authority" and ":path" pseudo-headers). The scheme is
// https when the connection is TLS and http otherwise; the authority is the
// call's ":authority", which grpc-go requires and hands to the server as
// metadata. WithExternalURL replaces both with a configured base.
func (g *Guard) callURL(ctx context.Context, fullMethod string) string {
	if g.cfg.externalURL != "" {
		return strings.TrimSuffix(g.cfg.externalURL, "/") + fullMethod
	}
	scheme := "http"
	if p, ok := peer.FromContext(ctx); ok && p.AuthInfo != nil && p.AuthInfo.AuthType() == "tls" {
		scheme = "https"
	}
	var authority string
	if a := metadata.ValueFromIncomingContext(ctx, ":authority"); len(a) == 1 {
		authority = a[0]
	}
	return scheme + "://" + authority + fullMethod
}
