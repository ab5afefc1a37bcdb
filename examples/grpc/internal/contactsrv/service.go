package contactsrv

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/jwtguard/jwtguard/examples/grpc/contactspb"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
)

// Service implements contacts.v1.Contacts over a demo.Store. It never
// checks tokens itself: grpcguard has, before any method runs. It is safe
// for concurrent use.
type Service struct {
	contactspb.UnimplementedContactsServer
	store *demo.Store

	mu       sync.Mutex
	watchers map[chan *contactspb.Contact]struct{}
}

// NewService returns the service over store.
func NewService(store *demo.Store) *Service {
	return &Service{store: store, watchers: map[chan *contactspb.Contact]struct{}{}}
}

// List returns every contact.
func (s *Service) List(ctx context.Context, _ *contactspb.ListRequest) (*contactspb.ListResponse, error) {
	out := &contactspb.ListResponse{}
	for _, c := range s.store.List() {
		out.Contacts = append(out.Contacts, toProto(c))
	}
	return out, nil
}

// Delete removes a contact: NotFound when there is none with that id.
func (s *Service) Delete(ctx context.Context, req *contactspb.DeleteRequest) (*contactspb.DeleteResponse, error) {
	id := req.GetId()
	if !s.store.Delete(id) {
		return nil, status.Errorf(codes.NotFound, "no contact with id %q", id)
	}
	c := &contactspb.Contact{Id: id}
	if claims, ok := middleware.ClaimsFromContext(ctx); ok {
		// The claims grpcguard verified reach the handler.
		c.Name = "deleted by " + claims.Subject
	}
	s.mu.Lock()
	for w := range s.watchers {
		select {
		case w <- c:
		default: // a watcher that does not keep up misses the event
		}
	}
	s.mu.Unlock()
	return &contactspb.DeleteResponse{}, nil
}

// Watch sends every contact as KIND_EXISTING, then each deletion as
// KIND_DELETED until the client goes away.
func (s *Service) Watch(_ *contactspb.WatchRequest, stream grpc.ServerStreamingServer[contactspb.ContactEvent]) error {
	events := make(chan *contactspb.Contact, 16)
	s.mu.Lock()
	s.watchers[events] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers, events)
		s.mu.Unlock()
	}()
	for _, c := range s.store.List() {
		if err := stream.Send(&contactspb.ContactEvent{Kind: contactspb.ContactEvent_KIND_EXISTING, Contact: toProto(c)}); err != nil {
			return err
		}
	}
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case c := <-events:
			if err := stream.Send(&contactspb.ContactEvent{Kind: contactspb.ContactEvent_KIND_DELETED, Contact: c}); err != nil {
				return err
			}
		}
	}
}

func toProto(c demo.Contact) *contactspb.Contact {
	return &contactspb.Contact{Id: c.ID, Name: c.Name, Email: c.Email}
}
