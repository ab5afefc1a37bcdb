package grpcguard_test

import (
	"crypto/tls"
	"crypto/x509"
	"log"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Certificate-bound access tokens (RFC 8705) need nothing but a server
// that asks for client certificates and verifies them: a token whose
// cnf.x5t#S256 names the certificate of the call's TLS connection is
// served, any other certificate (or none) is Unauthenticated
// (mtls_certificate_mismatch, mtls_no_certificate). Tokens without cnf
// work with or without a certificate. Behind a proxy that terminates TLS,
// WithClientCertificates names its metadata header and its addresses.
func Example_certificateBound() {
	v, err := middleware.New("https://tenant.eu.auth0.com/", "https://contacts.example.com",
		middleware.WithCertificateBoundTokens())
	if err != nil {
		log.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair("server.pem", "server-key.pem")
	if err != nil {
		log.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	pem, err := os.ReadFile("client-ca.pem")
	if err != nil || !clientCAs.AppendCertsFromPEM(pem) {
		log.Fatal("client-ca.pem: ", err)
	}
	creds := credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven, // optional, and verified when given
		ClientCAs:    clientCAs,
	})
	methods := grpcguard.Methods{"/contacts.v1.Contacts/": scopecheck.All("read:contacts")}
	srv := grpc.NewServer(grpc.Creds(creds),
		grpc.ChainUnaryInterceptor(grpcguard.Unary(v, methods)),
		grpc.ChainStreamInterceptor(grpcguard.Stream(v, methods)))
	lis, err := net.Listen("tcp", ":8443")
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(srv.Serve(lis))
}
