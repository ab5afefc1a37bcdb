// Package introspect validates opaque access tokens with OAuth 2.0 Token
// Introspection (RFC 7662), as an API must for Okta, Keycloak, ORY Hydra,
// Ping and other authorization servers that do not issue JWTs.
//
// A Client POSTs the token to the authorization server's introspection
// endpoint (configured, or discovered from the issuer's OIDC or RFC 8414
// metadata), authenticated as the API (client_secret_basic by default), and
// checks the answer as strictly as package middleware checks a JWT:
//
//   - HTTP 200 with a JSON object of at most 64 KiB, nested at most 32
//     levels, no member repeated, every RFC 7662 member of its JSON type;
//   - "active" the JSON boolean true;
//   - an access token, not a refresh or ID token: token_use (ORY Hydra)
//     "access_token", token_type "Bearer" or "DPoP", typ (Keycloak)
//     "Bearer", "DPoP" or "at+jwt", each when present (case-insensitive
//     but for token_use);
//   - iss, when present, exactly the configured issuer;
//   - aud containing one of the API's audiences (an absent aud only with
//     Config.AllowMissingAudience);
//   - exp present and ahead of now, nbf and iat not ahead of now, with
//     leeway.
//
// Every failure is an *Error with a Kind from a fixed list, wrapping one of
// two sentinels: ErrInactive (refuse the token: 401 invalid_token) or
// ErrUnavailable (the endpoint is down, slow, misconfigured or
// misbehaving, or the flood limits were hit: 503 with Retry-After, never
// 401 and never accept). Errors never contain the token.
//
// Answers are cached under a salted SHA-256 of the token, never the token
// itself: active answers until min(exp, now+60 s), refusals for 5 s,
// unavailable errors never. A cache hit costs no allocation. Concurrent
// misses for one token make a single request. Requests to the endpoint are
// bounded by a concurrency limit (16) and a token bucket (50/s, burst 100);
// over them Introspect refuses at once with KindRateLimited, so a flood of
// made-up tokens neither reaches the authorization server nor gets in.
//
// Package introspect does not import package middleware: middleware maps
// Result to its Claims and Kind to its reasons.
package introspect
