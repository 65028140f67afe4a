package amtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Version is the Alertmanager release the harness builds. Later tags embed a web UI that is not in the
// module zip, so `go install` fails for them (shared/reference/alert-payloads.md §1.5).
const Version = "v0.31.1"

const module = "github.com/prometheus/alertmanager"

// buildTimeout bounds one cold build; about 150 modules are downloaded on a clean machine.
const buildTimeout = 10 * time.Minute

// install builds the binaries at most once per process, so that a failing build (no network, say) costs
// one attempt, not one per test. It is package state on purpose: the result belongs to the process.
var install = sync.OnceValues(func() (string, error) { return installVersion(Version) })

// Binaries returns the paths of the alertmanager and amtool binaries at Version, building them on first
// use into a cache folder, $TACOMA_TEST_BIN/alertmanager-<Version>, or the user cache folder when the
// variable is unset. Later calls and later test runs reuse the binaries. If they cannot be built the test
// is skipped, or failed with the build output when CI=true. Binaries is safe for concurrent use, also
// across processes.
func Binaries(tb testing.TB) (alertmanager, amtool string) {
	tb.Helper()
	dir, err := install()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("build alertmanager %s: %v", Version, err)
		}
		tb.Skipf("cannot build alertmanager %s (set CI=true to fail instead): %v", Version, err)
	}
	return filepath.Join(dir, "alertmanager"), filepath.Join(dir, "amtool")
}

// installVersion returns the folder holding both binaries at version, building them unless present.
func installVersion(version string) (string, error) {
	root := os.Getenv("TACOMA_TEST_BIN")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "tacoma-test-bin")
	}
	dir := filepath.Join(root, "alertmanager-"+version)
	if present(dir) {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Two test binaries (go test ./... runs packages in parallel) must not both spend minutes building.
	unlock, err := lockFile(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if present(dir) {
		return dir, nil
	}

	// Build into a scratch folder and rename each binary into place, so an interrupted build never
	// leaves a half-written binary that a later run would trust.
	stage, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install",
		// go install leaves the version empty; set it as release builds do, so the webhook's
		// User-Agent reads "Alertmanager/0.31.1" as in production.
		"-ldflags=-X github.com/prometheus/common/version.Version="+version[1:],
		module+"/cmd/alertmanager@"+version, module+"/cmd/amtool@"+version)
	// The scratch folder is outside any module and GOWORK is off, so Tacoma's go.mod is never read
	// or written; GOBIN keeps the binaries out of $GOPATH/bin.
	cmd.Dir = stage
	cmd.Env = append(os.Environ(), "GOBIN="+stage, "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", cmd, err, out)
	}
	for _, name := range []string{"amtool", "alertmanager"} {
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// present reports whether dir holds both binaries.
func present(dir string) bool {
	for _, name := range []string{"alertmanager", "amtool"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}
