package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
)

// series flattens what reg holds of name into "label=value,...: value" lines, with a
// histogram's value being its sample count.
func series(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[labelString(m)] = value(m)
		}
	}
	return out
}

func labelString(m *dto.Metric) string {
	var parts []string
	for _, lp := range m.GetLabel() {
		parts = append(parts, lp.GetName()+"="+lp.GetValue())
	}
	return strings.Join(parts, ",")
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return m.GetGauge().GetValue()
}

func TestMetricsTimeEveryMatch(t *testing.T) {
	f := newFixture(t, handlers.DefaultConfig())
	reg := prometheus.NewRegistry()
	f.h.UseMetrics(handlers.NewMetrics(reg))
	messages := []bot.Message{
		msg("1.1", "coredns pods keep getting OOMKilled and every service fails to resolve hostnames"),
		msg("1.2", "morning all, who is on call?"),
		{Channel: "C1", BotID: "B9", TS: "1.3", Attachments: []bot.Attachment{{Title: "[FIRING:2] KubePodCrashLooping kube-system/coredns", Text: "Pod kube-system/coredns is OOMKilled"}}},
	}
	for _, m := range messages {
		if _, err := f.h.HandleMessage(t.Context(), m); err != nil {
			t.Fatalf("HandleMessage(%q) = %v", m.Text, err)
		}
	}
	if _, err := f.h.HandleCommand(t.Context(), bot.Command{Command: "/tacoma", Text: "search etcd leader changes"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"kind=search": 3, "kind=alert": 1}
	if diff := cmp.Diff(want, series(t, reg, "tacoma_match_seconds")); diff != "" {
		t.Errorf("tacoma_match_seconds samples (-want +got):\n%s", diff)
	}
	for _, name := range []string{"tacoma_match_top_score", "tacoma_match_top_evidence"} {
		got := series(t, reg, name)
		if got["kind=search"] < 2 || got["kind=alert"] != 1 {
			t.Errorf("%s samples = %v, want one per match with a result (2+ searches, 1 alert)", name, got)
		}
	}
}

// failingSink is a feedback store that answers every write with err.
type failingSink struct{ err error }

func (s failingSink) RecordFeedback(context.Context, knowledge.Feedback) error { return s.err }

func TestMetricsCountStoreErrorsNotAnswers(t *testing.T) {
	f := newFixture(t, handlers.DefaultConfig())
	tests := []struct {
		name string
		err  error
		want float64
	}{
		{"a failure", errors.New("disk I/O error"), 1},
		{"not found is an answer", fmt.Errorf("story: %w", knowledge.ErrNotFound), 0},
		{"a shutdown is no store fault", context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := handlers.New(handlers.DefaultConfig(), f.idx, failingSink{tt.err}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			h.UseMetrics(handlers.NewMetrics(reg))
			_, err = h.HandleAction(t.Context(), bot.Action{ActionID: handlers.ActionHelpful, Value: "zalando-dns-outage-2019", Channel: "C1", MessageTS: "9.1"})
			if !errors.Is(err, tt.err) {
				t.Errorf("HandleAction() = %v, want the store's error", err)
			}
			got := series(t, reg, "tacoma_store_errors_total")
			if got["op=record_feedback"] != tt.want || len(got) != 7 {
				t.Errorf("tacoma_store_errors_total = %v, want record_feedback at %v and every operation present", got, tt.want)
			}
		})
	}
}

func TestInstrumentAlertsCountsBySenderAndStatus(t *testing.T) {
	f := newFixture(t, handlers.DefaultConfig())
	cfg := handlers.DefaultAlertsConfig()
	cfg.Channel = "#alerts"
	a, err := handlers.NewAlerts(cfg, handlers.AlertSecrets{AlertmanagerTokens: []bot.Secret{amToken}}, nil, f.idx, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(handlers.NewMetrics(reg).InstrumentAlerts(a.Handler()))
	defer srv.Close()
	am := readFile(t, "testdata/am-firing.json")
	requests := []struct {
		method, path, token string
	}{
		{"POST", "/hooks/alertmanager", amToken},
		{"POST", "/hooks/alertmanager", amToken},
		{"POST", "/hooks/alertmanager", "wrong"},
		{"POST", "/hooks/grafana", ""},
		{"POST", "/hooks/nagios", ""},
		{"GET", "/hooks/pagerduty", ""},
	}
	for _, r := range requests {
		req, err := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(string(am)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+r.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := map[string]float64{
		"sender=alertmanager,status=202": 1,
		"sender=alertmanager,status=200": 1,
		"sender=alertmanager,status=401": 1,
		"sender=grafana,status=401":      1,
		"sender=other,status=404":        1,
		"sender=pagerduty,status=405":    1,
	}
	if diff := cmp.Diff(want, series(t, reg, "tacoma_alerts_received_total")); diff != "" {
		t.Errorf("tacoma_alerts_received_total (-want +got):\n%s", diff)
	}
}
