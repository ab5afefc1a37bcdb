package jwks

import (
	"context"
	"crypto/elliptic"
	"net/http"
	"testing"
	"time"
)

// A request that arrives right after construction joins the initial fetch:
// it does not spend the unknown-kid rate limit, so a key rotated in right
// after is still fetched at once.
func TestRefreshJoinsInitialFetch(t *testing.T) {
	k1 := jwkOf(t, newEC(t, elliptic.P256()), "k1")
	p := newIDP(t, k1)
	obs := &recObserver{}
	r := newTestRemote(t, p.url(), WithMinRefreshInterval(time.Minute), WithObserver(obs))
	ctx := context.Background()
	if set, err := r.Refresh(ctx, "k1"); err != nil || set.Len() != 1 {
		t.Fatalf("first Refresh: %v, %d keys", err, set.Len())
	}
	if ev := obs.events(); len(ev) != 1 || ev[0].Trigger != TriggerInitial {
		t.Fatalf("fetches %+v, want only the initial one", ev)
	}
	p.setKeys(t, k1, jwkOf(t, newEC(t, elliptic.P256()), "k2"))
	if set, err := r.Refresh(ctx, "k2"); err != nil {
		t.Fatalf("rotated kid refused: %v (keys %v)", err, set.KIDs())
	}
}

// A fetch that was already in flight when a new kid was published comes
// back without it; the caller that joined it then fetches once more, rate
// limit permitting, instead of refusing a valid new key.
func TestRefreshAfterJoiningAStaleFetch(t *testing.T) {
	k1 := jwkOf(t, newEC(t, elliptic.P256()), "k1")
	p := newIDP(t, k1)
	r := newTestRemote(t, p.url(), WithMinRefreshInterval(time.Second), WithMaxWait(10*time.Second))
	prime(t, r, 5*time.Second)

	// The next fetch takes the document as it is now (k1 only), then waits
	// at the gate.
	gate := make(chan struct{})
	old := jwksDoc(t, k1)
	p.setBehaviour(func(w http.ResponseWriter, req *http.Request) {
		<-gate
		w.Write(old)
	})
	stale := make(chan error, 1)
	go func() { _, err := r.Refresh(context.Background(), "unknown"); stale <- err }()
	eventually(t, 5*time.Second, "the stale fetch reached the IdP", func() bool { return p.hits.Load() == 2 })

	p.setKeys(t, k1, jwkOf(t, newEC(t, elliptic.P256()), "k2"))
	time.Sleep(1100 * time.Millisecond) // past the rate limit of the stale fetch
	joined := make(chan error, 1)
	go func() {
		set, err := r.Refresh(context.Background(), "k2")
		if _, ok := set.Lookup("k2"); !ok && err == nil {
			err = errNotFound
		}
		joined <- err
	}()
	time.Sleep(100 * time.Millisecond) // let it join the fetch in flight
	p.setBehaviour(nil)
	close(gate)
	if err := <-joined; err != nil {
		t.Fatalf("new kid after joining a stale fetch: %v", err)
	}
	<-stale
}

var errNotFound = errString("kid not in the returned set")

type errString string

func (e errString) Error() string { return string(e) }
