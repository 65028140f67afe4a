package main

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsAfterAScriptedScenario scrapes /metrics after the scenario and checks that every
// family is there with values the scenario explains.
func TestMetricsAfterAScriptedScenario(t *testing.T) {
	l := startLive(t)
	scenario(t, l)
	code, body := l.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	atLeast := func(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
	exactly := func(n float64) func(float64) bool { return func(v float64) bool { return v == n } }
	tests := []struct {
		family string
		labels string // name=value pairs, comma-separated and sorted; a histogram reads as its count
		ok     func(float64) bool
		want   string
	}{
		{"tacoma_slack_socket_events_total", "type=hello", exactly(1), "one hello"},
		{"tacoma_slack_envelopes_total", "redelivered=false,type=events_api", atLeast(4), "the messages and the bot's echoes"},
		{"tacoma_slack_envelopes_total", "redelivered=true,type=events_api", exactly(1), "the one redelivery"},
		{"tacoma_slack_envelopes_total", "redelivered=false,type=slash_commands", exactly(3), "three commands"},
		{"tacoma_slack_ack_seconds", "", atLeast(8), "one sample per ack"},
		{"tacoma_slack_duplicates_dropped_total", "kind=message", exactly(1), "the redelivered message"},
		{"tacoma_slack_duplicates_dropped_total", "kind=command", exactly(0), "present at zero"},
		{"tacoma_replies_posted_total", "via=thread", exactly(2), "two suggestions"},
		{"tacoma_replies_posted_total", "via=response_url", exactly(3), "three command answers"},
		{"tacoma_slack_api_calls_total", "method=chat.postMessage,result=ratelimited", exactly(2), "two 429s"},
		{"tacoma_slack_api_calls_total", "method=chat.postMessage,result=ok", atLeast(4), "replies, progress and the alert"},
		{"tacoma_slack_rate_limited_total", "method=chat.postMessage", exactly(2), "two 429s"},
		{"tacoma_slack_rate_limit_wait_seconds_total", "method=chat.postMessage", exactly(2), "1 s per 429"},
		{"tacoma_slack_reconnects_total", "", exactly(0), "no reconnect"},
		{"tacoma_slack_connected", "", exactly(1), "connected"},
		{"tacoma_match_seconds", "kind=search", atLeast(3), "the messages and the search"},
		{"tacoma_match_seconds", "kind=alert", atLeast(1), "the alert group"},
		{"tacoma_match_top_score", "kind=search", atLeast(2), "a score per search with results"},
		{"tacoma_match_top_evidence", "kind=alert", atLeast(1), "evidence for the alert"},
		{"tacoma_alerts_received_total", "sender=alertmanager,status=202", exactly(1), "the alert taken"},
		{"tacoma_alerts_received_total", "sender=alertmanager,status=401", exactly(1), "the alert refused"},
		{"tacoma_postmortems_total", "event=drafted", exactly(1), "one draft"},
		{"tacoma_postmortems_total", "event=finished", exactly(1), "one finished"},
		{"tacoma_store_errors_total", "op=save_postmortem", exactly(0), "present at zero"},
		{"go_goroutines", "", atLeast(1), "the Go collector"},
		{"process_resident_memory_bytes", "", atLeast(1), "the process collector"},
	}
	for _, tt := range tests {
		got, ok := sample(families[tt.family], tt.labels)
		if !ok {
			t.Errorf("%s{%s} missing from /metrics", tt.family, tt.labels)
			continue
		}
		if !tt.ok(got) {
			t.Errorf("%s{%s} = %v, want %s", tt.family, tt.labels, got, tt.want)
		}
	}
	if mf := families["tacoma_slack_ack_seconds"]; mf != nil {
		h := mf.GetMetric()[0].GetHistogram()
		mean := h.GetSampleSum() / float64(h.GetSampleCount())
		t.Logf("ack latency: mean %.2f ms over %d acks", mean*1000, h.GetSampleCount())
		if mean > 3 {
			t.Errorf("mean ack latency %.3fs: past Slack's 3 s", mean)
		}
	}
}

// sample finds the series of mf with exactly the given labels ("a=1,b=2", sorted by name).
func sample(mf *dto.MetricFamily, labels string) (float64, bool) {
	for _, m := range mf.GetMetric() {
		var parts []string
		for _, lp := range m.GetLabel() {
			parts = append(parts, lp.GetName()+"="+lp.GetValue())
		}
		sort.Strings(parts)
		if strings.Join(parts, ",") != labels {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}
