package introspect

import "slices"

// Issuer returns Config.Issuer: the issuer whose tokens the Client
// validates, and the iss of every answer it accepts. Package middleware
// checks it against the issuers a Validator trusts.
func (c *Client) Issuer() string { return c.cfg.Issuer }

// Audiences returns a copy of Config.Audiences: an accepted answer's aud
// contains one of them.
func (c *Client) Audiences() []string { return slices.Clone(c.cfg.Audiences) }
