package slackemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// apiRequest is a parsed Web API call.
type apiRequest struct {
	name       string
	token      string
	fromHeader bool // the token came in Authorization: Bearer
	args       url.Values
	parseErr   string // Slack error code for an unreadable body
}

func (r *apiRequest) arg(k string) string { return r.args.Get(k) }

func (r *apiRequest) has(k string) bool { _, ok := r.args[k]; return ok }

// boolArg reads a Slack boolean argument: true, 1 (and their opposites).
func (r *apiRequest) boolArg(k string) bool {
	v := strings.ToLower(r.arg(k))
	return v == "true" || v == "1"
}

// parseRequest reads the token and arguments from the query string and a form,
// multipart or JSON body. slack-go sends forms with token= (slack-protocol.md §4.1);
// JSON bodies carry the token only in Authorization: Bearer.
func parseRequest(r *http.Request, name string) *apiRequest {
	req := &apiRequest{name: name, args: url.Values{}}
	for k, v := range r.URL.Query() {
		req.args[k] = v
	}
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if scheme != "Bearer" {
			req.parseErr = "invalid_auth"
			return req
		}
		req.token, req.fromHeader = strings.TrimSpace(tok), true
	}
	if r.Method != http.MethodPost {
		req.setFormToken()
		return req
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		req.parseErr = "invalid_form_data"
		return req
	}
	switch ct {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var vals map[string][]string
		if ct == "multipart/form-data" {
			vals, err = multipartValues(body, params["boundary"])
		} else {
			vals, err = url.ParseQuery(string(body))
		}
		if err != nil {
			req.parseErr = "invalid_form_data"
			return req
		}
		for k, v := range vals {
			req.args[k] = v
		}
		req.setFormToken()
	case "application/json":
		if err := req.jsonArgs(body); err != nil {
			req.parseErr = "invalid_json"
		}
	case "":
		if len(bytes.TrimSpace(body)) > 0 {
			req.parseErr = "missing_post_type"
		}
		req.setFormToken()
	default:
		req.parseErr = "invalid_post_type"
	}
	return req
}

func (r *apiRequest) setFormToken() {
	if !r.fromHeader {
		r.token = r.args.Get("token")
	}
}

// jsonArgs flattens a JSON object body into arguments: strings as they are, anything
// else as its JSON text (so blocks arrive as in a form), null as absent.
func (r *apiRequest) jsonArgs(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return err
	}
	for k, raw := range m {
		if string(bytes.TrimSpace(raw)) == "null" {
			continue // an explicit null is an absent argument
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			r.args.Set(k, s)
			continue
		}
		r.args.Set(k, string(raw))
	}
	return nil
}

var errNoBoundary = errors.New("multipart body without boundary")
