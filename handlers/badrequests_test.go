package handlers_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/handlers"
)

// badRequest is one request the receivers must refuse (or take) without harm.
type badRequest struct {
	name   string
	method string
	path   string
	body   []byte
	hdr    map[string]string // "" deletes a header the request has by default
	status int
	want   string
}

// send makes req against the receivers, with Content-Type application/json unless told otherwise.
func (r receivers) send(t *testing.T, req badRequest) (int, string) {
	t.Helper()
	hr, err := http.NewRequest(req.method, r.srv.URL+req.path, bytes.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range req.hdr {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	if _, err := z.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jsonBomb is a well-formed Alertmanager payload of n alerts of one group: as many as fit under
// the size limit.
func jsonBomb(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":"4","status":"firing","receiver":"tacoma","groupKey":"{}:{alertname=\"Bomb\"}","groupLabels":{"alertname":"Bomb"},"alerts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"status":"firing","labels":{"alertname":"Bomb","i":"%d"},"startsAt":"2026-11-25T10:00:00Z","fingerprint":"%x"}`, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func TestReceiversSurviveBadRequests(t *testing.T) {
	r := startReceivers(t, handlers.DefaultAlertsConfig())
	am := readFile(t, "testdata/am-firing.json")
	gf := readFile(t, "../knowledge/alert/testdata/grafana-firing.json")
	pd := readFile(t, "../knowledge/alert/testdata/pd-triggered.json")
	bearer := map[string]string{"Authorization": "Bearer " + amToken}
	with := func(extra map[string]string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + amToken}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	stale := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	nested := bytes.Repeat([]byte("["), 100000)
	tests := []badRequest{
		{"oversized", "POST", "/hooks/alertmanager", bytes.Repeat([]byte("["), 5<<20), bearer, 413, "body larger than 4194304 bytes"},
		{"oversized without auth", "POST", "/hooks/grafana", bytes.Repeat([]byte(" "), 5<<20), nil, 413, "body larger than"},
		{"empty body", "POST", "/hooks/alertmanager", nil, bearer, 400, "JSON"},
		{"truncated", "POST", "/hooks/alertmanager", am[:len(am)/2], bearer, 400, "truncated JSON"},
		{"not JSON", "POST", "/hooks/alertmanager", []byte("alertname=Foo"), bearer, 400, "JSON"},
		{"wrong JSON types", "POST", "/hooks/alertmanager", []byte(`{"version":4,"alerts":"many"}`), bearer, 400, "version"},
		{"alerts not objects", "POST", "/hooks/alertmanager", []byte(`{"version":"4","alerts":[1,2,3]}`), bearer, 400, "alerts"},
		{"deeply nested", "POST", "/hooks/alertmanager", nested, bearer, 400, "exceeded max depth"},
		{"deeply nested in a field", "POST", "/hooks/alertmanager", append([]byte(`{"version":"4","x":`), nested...), bearer, 400, "exceeded max depth"},
		{"invalid UTF-8", "POST", "/hooks/alertmanager", bytes.Replace(am, []byte("coredns"), []byte("core\xff\xfedns"), 1), bearer, 202, "accepted"},
		{"invalid UTF-8 outside strings", "POST", "/hooks/alertmanager", []byte("{\xff}"), bearer, 400, "invalid character"},
		{"JSON bomb of alerts", "POST", "/hooks/alertmanager", jsonBomb(30000), bearer, 202, "accepted"},
		{"huge array in an ignored field", "POST", "/hooks/alertmanager", append(append([]byte(`{"version":"4","x":[`), bytes.Repeat([]byte("0,"), 1<<20)...), []byte(`0]}`)...), bearer, 400, ""},
		{"no content type", "POST", "/hooks/alertmanager", am, with(map[string]string{"Content-Type": ""}), 415, "want Content-Type application/json"},
		{"bad content type", "POST", "/hooks/grafana", gf, map[string]string{"Content-Type": "application/json; charset=\"", "X-Grafana-Alerting-Signature": hmacHex(grafanaK, gf)}, 415, "want Content-Type"},
		{"gzip body", "POST", "/hooks/alertmanager", gzipped(t, am), with(map[string]string{"Content-Encoding": "gzip"}), 415, "Content-Encoding gzip"},
		{"grafana bad signature", "POST", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Signature": "zz" + hmacHex(grafanaK, gf)[2:]}, 401, "unauthorized"},
		{"grafana signature not hex", "POST", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Signature": "not-hex"}, 401, "unauthorized"},
		{"grafana stale timestamp", "POST", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Timestamp": stale, "X-Grafana-Alerting-Signature": hmacHex(grafanaK, append([]byte(stale+":"), gf...))}, 401, "stale signature timestamp"},
		{"grafana future timestamp", "POST", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Timestamp": future, "X-Grafana-Alerting-Signature": hmacHex(grafanaK, append([]byte(future+":"), gf...))}, 401, "stale signature timestamp"},
		{"grafana timestamp not a number", "POST", "/hooks/grafana", gf, map[string]string{"X-Grafana-Alerting-Timestamp": "soon", "X-Grafana-Alerting-Signature": hmacHex(grafanaK, append([]byte("soon:"), gf...))}, 401, "unauthorized"},
		{"pagerduty bad signature", "POST", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex("other", pd), "X-Webhook-Id": "wh-bad"}, 401, "unauthorized"},
		{"pagerduty signature of another body", "POST", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex(pdSecretA, am)}, 401, "unauthorized"},
		{"pagerduty delivered", "POST", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex(pdSecretA, pd), "X-Webhook-Id": "wh-replay"}, 202, "accepted"},
		{"pagerduty replayed", "POST", "/hooks/pagerduty", pd, map[string]string{"X-PagerDuty-Signature": "v1=" + hmacHex(pdSecretA, pd), "X-Webhook-Id": "wh-replay"}, 200, "duplicate"},
		{"GET", "GET", "/hooks/alertmanager", nil, bearer, 405, ""},
		{"PUT", "PUT", "/hooks/grafana", gf, nil, 405, ""},
		{"unknown path", "POST", "/hooks/opsgenie", am, bearer, 404, ""},
		{"trailing slash", "POST", "/hooks/alertmanager/", am, bearer, 404, ""},
		{"root", "POST", "/", am, bearer, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := r.send(t, tt)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s = %d %.300s, want %d containing %q", tt.method, tt.path, status, body, tt.status, tt.want)
			}
		})
	}

	// Still up: a good delivery is taken.
	if st, body := r.post(t, "/hooks/alertmanager", amGroup("firing", "coredns-after-bad"), bearer); st != 202 {
		t.Fatalf("good delivery after the bad ones = %d %s, want 202", st, body)
	}
}

// Oversized and deeply nested bodies are refused without the receiver keeping what they cost.
func TestBadRequestsDoNotPileUpInMemory(t *testing.T) {
	r := startReceivers(t, handlers.DefaultAlertsConfig())
	bearer := map[string]string{"Authorization": "Bearer " + amToken}
	batch := []badRequest{
		{"oversized", "POST", "/hooks/alertmanager", bytes.Repeat([]byte("["), 5<<20), bearer, 413, "body larger than"},
		{"nested", "POST", "/hooks/alertmanager", bytes.Repeat([]byte("["), 100000), bearer, 400, ""},
		{"nested within the limit", "POST", "/hooks/alertmanager", bytes.Repeat([]byte("[{\"a\":"), 600000), bearer, 400, ""},
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for range 20 {
		for _, req := range batch {
			if status, body := r.send(t, req); status != req.status || !strings.Contains(body, req.want) {
				t.Fatalf("%s = %d %.300s, want %d", req.name, status, body, req.status)
			}
		}
	}
	after := heap()
	// 60 requests of up to 5 MiB passed through; what stays must be far less than what came.
	const bound = 32 << 20
	t.Logf("HeapAlloc before %d KiB, after %d KiB", before>>10, after>>10)
	if after > before+bound {
		t.Errorf("HeapAlloc grew from %d to %d bytes over 60 bad requests, want under %d more", before, after, bound)
	}
	if st, body := r.post(t, "/hooks/alertmanager", amGroup("firing", "coredns-after-batch"), bearer); st != 202 {
		t.Fatalf("good delivery after the batch = %d %s, want 202", st, body)
	}
}
