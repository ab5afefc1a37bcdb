// Package jsonscan is jwtguard's strict JSON object reader (RFC 8259): it
// walks the members of one JSON object without building a tree, returning
// strings without escapes as views of the input, and refuses duplicate
// member names (RFC 7515 section 5.2 lets a JWS consumer reject them),
// invalid UTF-8 (RFC 8259 section 8.1), nesting deeper than MaxDepth and
// bytes after the object.
//
// It reads the JOSE headers and claims of every token on the validation hot
// path, so it allocates nothing for an ordinary token; and DPoP proofs, JWK
// Sets and discovery documents, so that every JSON document jwtguard
// decides on is read by the same rules.
package jsonscan
