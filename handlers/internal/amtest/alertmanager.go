package amtest

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the part of alertmanager.yml a test chooses. The zero durations take the defaults below.
type Config struct {
	// WebhookURL is where the single receiver, named "tacoma", posts its notifications.
	WebhookURL string
	// BearerToken, if set, is sent as "Authorization: Bearer <token>".
	BearerToken string
	// BasicAuth, if set, is sent instead of BearerToken (Alertmanager allows only one of them).
	BasicAuth *BasicAuth

	GroupWait      time.Duration // before the first notification of a group; default 1s
	GroupInterval  time.Duration // between notifications of a changed group; default 2s
	RepeatInterval time.Duration // before an unchanged group is sent again; default 1h
}

// BasicAuth is the webhook's http_config.basic_auth.
type BasicAuth struct {
	Username, Password string
}

// Alertmanager is a running Alertmanager process. Its methods are safe for concurrent use.
type Alertmanager struct {
	// URL is the base of its API and UI, e.g. http://127.0.0.1:41234, for tests that call the
	// v2 API (/api/v2/alerts) directly.
	URL string

	amtool string
	home   string

	mu    sync.Mutex
	fired map[string]map[string]string // annotations by label set, for Resolve; guarded by mu
}

// Start writes an alertmanager.yml from cfg, starts Alertmanager on a free loopback port with
// clustering off and its storage in tb.TempDir, and returns once /-/ready answers. A cleanup stops it
// with SIGTERM and waits for it to exit; if the test failed, the cleanup logs Alertmanager's output.
func Start(tb testing.TB, cfg Config) *Alertmanager {
	tb.Helper()
	alertmanager, amtool := Binaries(tb)
	dir := tb.TempDir()
	conf := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(conf, configYAML(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	logPath := filepath.Join(dir, "alertmanager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	// Upstream's acceptance tests listen on 127.0.0.1:0 and read the port from the log, but then the
	// default external URL, which every webhook body carries as externalURL, is http://<hostname>:0/.
	// So take a free port first and pass it to both flags; the moment between Close and Alertmanager's
	// bind is the only race, and an occupied port fails the test with the log, not silently.
	addr := freeAddr(tb)
	am := &Alertmanager{URL: "http://" + addr, amtool: amtool, home: dir, fired: map[string]map[string]string{}}
	cmd := exec.Command(alertmanager,
		"--config.file="+conf,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.external-url="+am.URL,
		"--cluster.listen-address=", // empty turns off HA gossip and its settle wait
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1) // Wait's result; read by the cleanup, or by the ready loop on early exit
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() {
			out, _ := os.ReadFile(logPath)
			tb.Logf("alertmanager log (%s):\n%s", logPath, out)
		}
	})

	deadline := time.After(30 * time.Second)
	for {
		if ready(am.URL) {
			return am
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			tb.Fatalf("alertmanager exited before it was ready: %v", err)
		case <-deadline:
			tb.Fatalf("alertmanager at %s not ready after 30s", am.URL)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Fire adds one firing alert with amtool. Its labels name it: firing again updates it, and Resolve with
// the same labels ends it. amtool sends no end time, so the alert stays firing for resolve_timeout (5m).
func (am *Alertmanager) Fire(tb testing.TB, labels, annotations map[string]string) {
	tb.Helper()
	am.mu.Lock()
	am.fired[key(labels)] = maps.Clone(annotations)
	am.mu.Unlock()
	am.alertAdd(tb, labels, annotations)
}

// Resolve ends the alert with these labels now. Alertmanager sends the resolved notification at the
// group's next group_interval tick.
//
// Like Prometheus, Resolve sends the annotations the alert last fired with: Alertmanager replaces an
// alert's annotations with those of each update, so a resolve without them would empty the annotations
// of the resolved notification.
func (am *Alertmanager) Resolve(tb testing.TB, labels map[string]string) {
	tb.Helper()
	am.mu.Lock()
	annotations := am.fired[key(labels)]
	am.mu.Unlock()
	am.alertAdd(tb, labels, annotations, "--end="+time.Now().UTC().Format(time.RFC3339))
}

func (am *Alertmanager) alertAdd(tb testing.TB, labels, annotations map[string]string, flags ...string) {
	tb.Helper()
	args := append([]string{"alert", "add", "--alertmanager.url=" + am.URL}, flags...)
	args = append(args, pairs("--annotation=", annotations)...)
	args = append(args, pairs("", labels)...)
	cmd := exec.CommandContext(tb.Context(), am.amtool, args...)
	// amtool also reads $HOME/.config/amtool/config.yml; a developer's own file must not leak in.
	cmd.Env = append(os.Environ(), "HOME="+am.home)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("amtool %q: %v\n%s", args, err, out)
	}
}

// pairs renders m as sorted prefix+key="value" arguments. amtool parses the value as a Go-quoted
// string; unquoted values with spaces only pass through a fallback parser that logs a warning.
func pairs(prefix string, m map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, prefix+k+"="+strconv.Quote(m[k]))
	}
	return out
}

// key names a label set.
func key(labels map[string]string) string { return strings.Join(pairs("", labels), " ") }

// configYAML renders cfg as alertmanager.yml with one route and one webhook receiver.
func configYAML(cfg Config) []byte {
	hook := map[string]any{"url": cfg.WebhookURL, "send_resolved": true}
	switch {
	case cfg.BasicAuth != nil:
		hook["http_config"] = map[string]any{"basic_auth": map[string]string{
			"username": cfg.BasicAuth.Username, "password": cfg.BasicAuth.Password}}
	case cfg.BearerToken != "":
		hook["http_config"] = map[string]any{"authorization": map[string]string{
			"type": "Bearer", "credentials": cfg.BearerToken}}
	}
	conf := map[string]any{
		"route": map[string]any{
			"receiver":        "tacoma",
			"group_by":        []string{"alertname", "namespace"},
			"group_wait":      duration(cfg.GroupWait, time.Second),
			"group_interval":  duration(cfg.GroupInterval, 2*time.Second),
			"repeat_interval": duration(cfg.RepeatInterval, time.Hour),
		},
		"receivers": []any{map[string]any{"name": "tacoma", "webhook_configs": []any{hook}}},
	}
	out, err := yaml.Marshal(conf)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return out
}

// duration formats d, or def when d is zero, in Prometheus duration syntax, which has no fractions.
func duration(d, def time.Duration) string {
	if d == 0 {
		d = def
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// ready reports whether Alertmanager at base answers 200 on /-/ready.
func ready(base string) bool {
	req, err := http.NewRequest(http.MethodGet, base+"/-/ready", nil)
	if err != nil {
		return false
	}
	req.Close = true // no idle keep-alive connection, so no goroutine outlives the test
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
