// Package contactspb is the generated code of contacts.proto
// (contacts.v1.Contacts). Regenerate it from the repository root with
//
//	go generate ./examples/grpc/contactspb
//
// which needs protoc (apt-get install protobuf-compiler) and the two
// plugins at the versions the committed files were made with:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
package contactspb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative contacts.proto
