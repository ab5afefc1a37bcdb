package otelguard_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/adapters/otelguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// One option wires the observer; the validation span joins the trace of
// the request (here a span started by hand, as otelhttp.NewHandler would).
func ExampleNew() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)) // the application's SDK
	defer tp.Shutdown(context.Background())

	iss, _ := jwtguardtest.NewIssuer() // stands in for Auth0, Okta, Keycloak...
	defer iss.Close()
	obs, err := otelguard.New(otelguard.WithTracerProvider(tp)) // metrics: the global MeterProvider
	if err != nil {
		log.Fatal(err)
	}
	v, err := middleware.New(iss.URL(), "https://contacts.example.com", middleware.WithObserver(obs))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil {
		log.Fatal(err)
	}

	api := httpguard.Protect(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tok, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{"https://contacts.example.com"}})
	req := httptest.NewRequest("GET", "https://contacts.example.com/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rctx, request := tp.Tracer("otelhttp").Start(req.Context(), "GET /contacts")
	api.ServeHTTP(httptest.NewRecorder(), req.WithContext(rctx))
	request.End()

	for _, s := range spans.GetSpans() {
		if s.Name != otelguard.SpanValidate {
			continue
		}
		fmt.Println(s.Name, "child of the request span:", s.Parent.SpanID() == request.SpanContext().SpanID())
		for _, kv := range s.Attributes {
			if kv.Key == otelguard.IssuerKey {
				fmt.Println(" ", kv.Key, "is the configured issuer:", kv.Value.AsString() == iss.URL())
				continue
			}
			fmt.Println(" ", kv.Key, kv.Value.Emit())
		}
	}
	// Output:
	// jwtguard.validate child of the request span: true
	//   jwtguard.issuer is the configured issuer: true
	//   jwtguard.result accepted
	//   jwtguard.path bearer
	//   jwtguard.cache.hit false
}
