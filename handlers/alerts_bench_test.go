package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
)

// stormDelivery is Alertmanager's body for group g after its n-th alert fired: a group grows one
// alert per delivery, as it does when alerts arrive over several group_interval ticks.
func stormDelivery(g, n int) []byte {
	var alerts []string
	for i := 0; i <= n; i++ {
		alerts = append(alerts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"KubeNodeNotReady","namespace":"team-%d","node":"node-%d-%d","severity":"warning"},"annotations":{"summary":"Node is not ready."},"startsAt":"2026-11-25T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"fp-%d-%d"}`, g%10, g, i, g, i))
	}
	return []byte(fmt.Sprintf(`{"receiver":"tacoma","status":"firing","alerts":[%s],"groupLabels":{"alertname":"KubeNodeNotReady","group":"g%d"},"commonLabels":{"alertname":"KubeNodeNotReady","namespace":"team-%d"},"commonAnnotations":{},"externalURL":"http://am:9093","version":"4","groupKey":"{}:{group=\"g%d\"}","truncatedAlerts":0}`+"\n", strings.Join(alerts, ","), g, g%10, g))
}

// BenchmarkAlertStorm sends 1,000 alerts in 100 groups (10 deliveries per group, 1,000 requests)
// through the Alertmanager receiver, routed to 10 channels, and waits until every group's single
// message shows all its alerts. Metrics: ingest latency per request (p50, p99), top-level messages
// posted, and the time until Slack shows everything.
func BenchmarkAlertStorm(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := startStack(b, zap.NewNop(), 10)
		cfg := handlers.DefaultAlertsConfig()
		cfg.Channel = "#" + s.chs[0].Name
		for c := range 10 {
			cfg.Routes = append(cfg.Routes, handlers.AlertRoute{Match: map[string]string{"namespace": fmt.Sprintf("team-%d", c)}, Channel: "#" + s.chs[c].Name})
		}
		a, err := handlers.NewAlerts(cfg, handlers.AlertSecrets{AlertmanagerTokens: []bot.Secret{amToken}}, s.bot, s.idx, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx, 8); close(done) }()
		srv := httptest.NewServer(a.Handler())

		start := time.Now()
		var lat []time.Duration
		for n := range 10 {
			for g := range 100 {
				req, _ := http.NewRequest("POST", srv.URL+"/hooks/alertmanager", bytes.NewReader(stormDelivery(g, n)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+amToken)
				t0 := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != http.StatusAccepted {
					b.Fatalf("delivery %d/%d: status %d", g, n, resp.StatusCode)
				}
			}
		}
		complete := func() (tops, full int) {
			for _, ch := range s.chs {
				for _, m := range s.emu.Messages(ch.ID) {
					if m.BotID == s.app.BotID {
						tops++
						if strings.Contains(m.Text+string(m.Blocks), "10 firing") {
							full++
						}
					}
				}
			}
			return tops, full
		}
		deadline := time.Now().Add(3 * time.Minute)
		tops, full := complete()
		for full < 100 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			tops, full = complete()
		}
		shown := time.Since(start)
		srv.Close()
		cancel()
		<-done
		if tops != 100 || full != 100 {
			b.Fatalf("%d top-level messages, %d showing all 10 alerts; want 100 and 100", tops, full)
		}
		report(b, lat)
		b.ReportMetric(float64(tops), "messages")
		b.ReportMetric(shown.Seconds(), "s-until-shown")
	}
}
