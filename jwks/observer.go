package jwks

import "time"

// Trigger says why a Remote source fetched.
type Trigger string

// The triggers, a fixed list (safe as metric labels).
const (
	TriggerInitial    Trigger = "initial"     // the first fetch, at construction
	TriggerScheduled  Trigger = "scheduled"   // background refresh or retry
	TriggerUnknownKID Trigger = "unknown_kid" // a token named a kid the set lacks
)

// FetchEvent describes one finished fetch of a Remote source.
type FetchEvent struct {
	// Source is the source's configured name (WithName; else the issuer
	// or JWKS URL it was built with), never anything from a token.
	Source  string
	Trigger Trigger
	// Err is nil on success. On failure the previous set stays in use.
	Err error
	// NotModified is true when the server answered 304 to If-None-Match.
	NotModified bool
	// Keys is the number of usable keys after the fetch.
	Keys int
	// Added and Removed list the kids that changed on a successful fetch.
	Added, Removed []string
	Duration       time.Duration
}

// Observer receives a Remote source's events, for metrics. Methods are
// called from the source's goroutines, must be safe for concurrent use and
// must not block.
type Observer interface {
	// KeysFetched reports a finished fetch.
	KeysFetched(FetchEvent)
	// UnknownKIDRefresh reports a refresh asked for because of an unknown
	// kid; refused is true when the rate limit (WithMinRefreshInterval)
	// turned it down.
	UnknownKIDRefresh(source string, refused bool)
}
