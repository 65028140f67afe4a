package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestReadyzNamesWhatIsNotReady(t *testing.T) {
	pass := func(context.Context) error { return nil }
	fail := func(context.Context) error { return errors.New("dial tcp 10.0.0.7:5432: connection refused") }
	hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	tests := []struct {
		name   string
		checks []readyCheck
		code   int
		body   string
		logged int
	}{
		{"all ready", []readyCheck{{"index", "no stories loaded", pass}, {"slack", "no Socket Mode connection", pass}}, 200, "ok\n", 0},
		{"one down", []readyCheck{{"index", "no stories loaded", pass}, {"store", "ping failed", fail}}, 503, "store: ping failed\n", 1},
		{"a check that hangs", []readyCheck{{"store", "ping failed", hang}}, 503, "store: no answer within 1s\n", 1},
		{"each on its own line", []readyCheck{{"slack", "no Socket Mode connection", fail}, {"store", "ping failed", fail}}, 503, "slack: no Socket Mode connection\nstore: ping failed\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			o := newOps(zap.New(core))
			for _, c := range tt.checks {
				o.ready(c.name, c.down, c.check)
			}
			srv := httptest.NewServer(o.handler(http.NotFoundHandler()))
			defer srv.Close()
			start := time.Now()
			for range 2 { // the second probe must not log the same news again
				resp, err := http.Get(srv.URL + "/readyz")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.code || string(body) != tt.body {
					t.Errorf("GET /readyz = %d %q, want %d %q", resp.StatusCode, body, tt.code, tt.body)
				}
			}
			if took := time.Since(start); took > 3*readyTimeout {
				t.Errorf("two probes took %s, want each within %s", took, readyTimeout)
			}
			if got := logs.FilterMessage("not ready").Len(); got != tt.logged {
				t.Errorf("%d \"not ready\" lines logged, want %d (once per check that fails)", got, tt.logged)
			}
			if strings.Contains(tt.body, "10.0.0.7") {
				t.Error("the body shows a check's error: the listener faces webhook senders")
			}
		})
	}
}

func TestHooksMetricsAndHealthShareTheListener(t *testing.T) {
	hooks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	srv := httptest.NewServer(newOps(zap.NewNop()).handler(hooks))
	defer srv.Close()
	tests := []struct {
		method, path string
		code         int
		contains     string
	}{
		{"POST", "/hooks/alertmanager", 202, ""},
		{"GET", "/healthz", 200, "ok"},
		{"GET", "/readyz", 200, "ok"},
		{"GET", "/metrics", 200, "tacoma_alerts_received_total{sender=\"alertmanager\",status=\"202\"} 1"},
		{"GET", "/metrics", 200, "go_goroutines"},
		{"POST", "/metrics", 405, ""},
		{"GET", "/", 404, ""},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s %s = %d, want %d with %q:\n%.300s", tt.method, tt.path, resp.StatusCode, tt.code, tt.contains, body)
		}
	}
}

// TestHealthAndReadiness checks /healthz and /readyz while the bot runs and after Slack goes.
func TestHealthAndReadiness(t *testing.T) {
	l := startLive(t)
	eventually(t, "readiness", func() bool { code, _ := l.get(t, "/readyz"); return code == http.StatusOK })
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/healthz", http.StatusOK, "ok\n"},
		{"/readyz", http.StatusOK, "ok\n"},
	}
	for _, tt := range tests {
		if code, body := l.get(t, tt.path); code != tt.code || body != tt.body {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, code, body, tt.code, tt.body)
		}
	}
	if err := l.emu.Close(); err != nil {
		t.Fatal(err)
	}
	var body string
	eventually(t, "readiness to fail", func() bool {
		var code int
		code, body = l.get(t, "/readyz")
		return code == http.StatusServiceUnavailable
	})
	if want := "slack: no Socket Mode connection\n"; body != want {
		t.Errorf("GET /readyz body = %q, want %q", body, want)
	}
	if code, _ := l.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d without Slack, want 200: the process is alive", code)
	}
	if err := l.stop(); err != nil {
		t.Errorf("run() = %v, want nil", err)
	}
	if !strings.Contains(l.logs.String(), `"msg":"not ready","check":"slack"`) {
		t.Errorf("the readiness change is not logged:\n%s", l.logs.String())
	}
}
