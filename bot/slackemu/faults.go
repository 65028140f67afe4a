package slackemu

import (
	"net/http"
	"time"
)

// fault is one injected answer for the next call of a method.
type fault struct {
	code       string        // ok:false with this error
	status     int           // or this HTTP status
	retryAfter time.Duration // or a 429 with this Retry-After
}

func (f fault) result() apiResult {
	switch {
	case f.retryAfter > 0:
		return rateLimited(f.retryAfter.Seconds())
	case f.status != 0:
		h := http.Header{}
		h.Set("Content-Type", "text/html; charset=utf-8")
		// Slack sends an HTML page with 5xx answers; slack-go does not parse it.
		return apiResult{status: f.status, header: h, body: []byte("<html><body>" + http.StatusText(f.status) + "</body></html>")}
	default:
		return apiResult{status: http.StatusOK, header: http.Header{}, body: errorBody(errCode(f.code))}
	}
}

func (s *Server) takeFaultLocked(method string) (fault, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

func (s *Server) addFault(method string, fs ...fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fs...)
}

// FailNext makes the next call of method answer {"ok":false,"error":slackError}.
// Injected faults queue up per method and are used before any other check.
func (s *Server) FailNext(method string, slackError string) {
	s.addFault(method, fault{code: slackError})
}

// FailNextHTTP makes the next call of method answer the HTTP status with an HTML
// body; slack-go reports slack.StatusCodeError.
func (s *Server) FailNextHTTP(method string, status int) {
	s.addFault(method, fault{status: status})
}

// RateLimitNext makes the next n calls of method answer 429 with
// {"ok":false,"error":"ratelimited"} and Retry-After: retryAfter in whole seconds,
// at least 1; slack-go reports *slack.RateLimitedError.
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	fs := make([]fault, n)
	for i := range fs {
		fs[i] = fault{retryAfter: max(retryAfter, time.Second)}
	}
	s.addFault(method, fs...)
}

// Calls returns how many Web API calls of method the server has seen, whatever their
// outcome (unknown methods included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// LoseAcks makes the server ignore the next n acks it receives, as if the network had lost
// them: the envelopes are then redelivered with retry_attempt set, as Slack does, and an app
// must not answer them twice.
func (s *Server) LoseAcks(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lostAcks += n
}
