package introspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// post sends the introspection request (RFC 7662 section 2.1) and parses
// a 200 answer. It returns the answer's HTTP status, 0 without one.
func (c *Client) post(ctx context.Context, endpoint, token string) (*Result, *Error, int) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	if c.cfg.AuthMethod == ClientSecretPost {
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, unavailable(KindUnavailable, "building the introspection request failed", err), 0
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.basic != "" {
		req.Header.Set("Authorization", c.basic)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// A *url.Error names the method and endpoint, never the body.
		desc := "the introspection endpoint could not be reached: " + err.Error()
		if errors.Is(err, errRedirect) {
			desc = "the introspection endpoint answered with a redirect, which is not followed"
		}
		return nil, unavailable(KindUnavailable, desc, err), 0
	}
	defer resp.Body.Close()
	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		e := unavailable(KindUnavailable, fmt.Sprintf("the introspection endpoint refused this API's client credentials (HTTP %d)", status), nil)
		e.StatusCode = status
		return nil, e, status
	case status != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		e := unavailable(KindUnavailable, fmt.Sprintf("the introspection endpoint answered HTTP %d", status), nil)
		e.StatusCode = status
		return nil, e, status
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return nil, badResponse(errors.New("the Content-Type is not application/json")), status
	}
	if resp.ContentLength > MaxResponseBytes {
		return nil, badResponse(fmt.Errorf("larger than %d bytes", MaxResponseBytes)), status
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, unavailable(KindUnavailable, "reading the introspection answer failed: "+err.Error(), err), status
	}
	if len(body) > MaxResponseBytes {
		return nil, badResponse(fmt.Errorf("larger than %d bytes", MaxResponseBytes)), status
	}
	res, e := parseResponse(body)
	return res, e, status
}

// isJSON accepts application/json and any structured +json type, with any
// parameters (charset=UTF-8 is common).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}
