package amtest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/tacoma-bot/tacoma/handlers/internal/amtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// message is the part of Alertmanager's webhook body (version 4) this test checks.
type message struct {
	Version     string            `json:"version"`
	GroupKey    string            `json:"groupKey"`
	Status      string            `json:"status"`
	Receiver    string            `json:"receiver"`
	GroupLabels map[string]string `json:"groupLabels"`
	ExternalURL string            `json:"externalURL"`
	Alerts      []alert           `json:"alerts"`
}

type alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

var byInstance = cmpopts.SortSlices(func(a, b alert) bool { return a.Labels["instance"] < b.Labels["instance"] })

// TestWebhook fires two alerts of one group through the real Alertmanager, expects one notification
// with both, resolves them, and expects the resolved notification, each with the configured auth.
func TestWebhook(t *testing.T) {
	tests := []struct {
		name     string
		cfg      amtest.Config // WebhookURL is filled in by the test
		wantAuth string
	}{
		{"bearer", amtest.Config{BearerToken: "test-token-123"}, "Bearer test-token-123"},
		{"basic", amtest.Config{BasicAuth: &amtest.BasicAuth{Username: "am", Password: "s3cret"}}, "Basic YW06czNjcmV0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hooks, url := receiver(t, tt.wantAuth)
			cfg := tt.cfg
			cfg.WebhookURL = url
			am := amtest.Start(t, cfg)

			db1 := map[string]string{"alertname": "DiskFull", "namespace": "prod", "instance": "db-1"}
			db2 := map[string]string{"alertname": "DiskFull", "namespace": "prod", "instance": "db-2"}
			am.Fire(t, db1, map[string]string{"summary": "Disk full on db-1"})
			am.Fire(t, db2, map[string]string{"summary": "Disk full on db-2"})

			want := message{
				Version:     "4",
				GroupKey:    `{}:{alertname="DiskFull", namespace="prod"}`,
				Status:      "firing",
				Receiver:    "tacoma",
				GroupLabels: map[string]string{"alertname": "DiskFull", "namespace": "prod"},
				ExternalURL: am.URL,
				Alerts: []alert{
					{Status: "firing", Labels: db1, Annotations: map[string]string{"summary": "Disk full on db-1"}},
					{Status: "firing", Labels: db2, Annotations: map[string]string{"summary": "Disk full on db-2"}},
				},
			}
			if diff := cmp.Diff(want, next(t, hooks), byInstance); diff != "" {
				t.Fatalf("firing notification mismatch (-want +got):\n%s", diff)
			}

			am.Resolve(t, db1)
			am.Resolve(t, db2)
			// A group_interval tick may fall between the two Resolve calls; it then sends a notification
			// with db-1 resolved and db-2 still firing. A second notification with both firing is a bug.
			got := next(t, hooks)
			if got.Status == "firing" {
				if got.Alerts[0].Status != "resolved" && got.Alerts[1].Status != "resolved" {
					t.Fatalf("second notification = %+v, want some alert resolved", got)
				}
				got = next(t, hooks)
			}
			want.Status = "resolved"
			want.Alerts[0].Status, want.Alerts[1].Status = "resolved", "resolved"
			if diff := cmp.Diff(want, got, byInstance); diff != "" {
				t.Errorf("resolved notification mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// receiver starts a strict webhook receiver: any request but a POST to /hooks/alertmanager with the
// wanted Authorization fails the test. Each notification is handed over on the returned channel.
func receiver(t *testing.T, wantAuth string) (hooks <-chan message, url string) {
	got := make(chan message)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/hooks/alertmanager" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		if auth := r.Header.Get("Authorization"); auth != wantAuth {
			t.Errorf("Authorization = %q, want %q", auth, wantAuth)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m message
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("decode webhook body: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		select {
		case got <- m:
		case <-r.Context().Done(): // Alertmanager gave up or stopped; the test no longer reads
		}
	}))
	t.Cleanup(srv.Close) // registered before Start's cleanup, so it runs after Alertmanager stopped
	return got, srv.URL + "/hooks/alertmanager"
}

// next waits for the next notification.
func next(t *testing.T, hooks <-chan message) message {
	t.Helper()
	select {
	case m := <-hooks:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("no webhook notification within 15s")
		return message{}
	}
}
