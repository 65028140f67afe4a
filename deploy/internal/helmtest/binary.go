package helmtest

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

// Version is the helm release the harness builds.
const Version = "v3.22.0"

// kubeMinor is the Kubernetes minor version helm assumes without a cluster (helm template, helm
// lint). Release builds derive it from the k8s.io/client-go version in helm's go.mod (v0.37.0 for
// v3.22.0, see its Makefile); a plain `go install` would leave helm's default of 1.20, older
// than the chart's kubeVersion allows.
const kubeMinor = "37"

const module = "helm.sh/helm/v3"

// buildTimeout bounds one cold build: about 200 modules are downloaded and compiled on a clean
// machine, 1 to 3 minutes on two cores.
const buildTimeout = 10 * time.Minute

// install builds the binary at most once per process, so that a failing build (no network, say)
// costs one attempt, not one per test. It is package state on purpose: the result belongs to the
// process.
var install = sync.OnceValues(func() (string, error) { return installVersion(Version) })

// Binary returns the path of the helm binary at Version, building it on first use into a cache
// folder, $TACOMA_TEST_BIN/helm-<Version>, or the user cache folder when the variable is unset.
// Later calls and later test runs reuse it. If it cannot be built the test is skipped, or failed
// with the build output when CI=true. Binary is safe for concurrent use, also across processes.
func Binary(tb testing.TB) string {
	tb.Helper()
	dir := cacheDir(Version)
	if !present(dir) {
		tb.Logf("building helm %s from its Go module into %s (once per machine; 1 to 3 minutes)", Version, dir)
	}
	start := time.Now()
	dir, err := install()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("build helm %s: %v", Version, err)
		}
		tb.Skipf("cannot build helm %s (set CI=true to fail instead): %v", Version, err)
	}
	if d := time.Since(start); d > time.Second {
		tb.Logf("helm %s ready after %s", Version, d.Round(time.Second))
	}
	return filepath.Join(dir, "helm")
}

func cacheDir(version string) string {
	root := os.Getenv("TACOMA_TEST_BIN")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "tacoma-test-bin")
	}
	return filepath.Join(root, "helm-"+version)
}

// installVersion returns the folder holding helm at version, building it unless present.
func installVersion(version string) (string, error) {
	dir := cacheDir(version)
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

	// Build into a scratch folder and rename the binary into place, so an interrupted build never
	// leaves a half-written binary that a later run would trust.
	stage, err := os.MkdirTemp(filepath.Dir(dir), "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	// The same -X flags as helm's Makefile, so `helm version` and the assumed Kubernetes version
	// match a release binary.
	ldflags := "-s -w -X " + module + "/internal/version.version=" + version
	for _, pkg := range []string{"pkg/lint/rules", "pkg/chartutil"} {
		ldflags += fmt.Sprintf(" -X %s/%s.k8sVersionMajor=1 -X %s/%s.k8sVersionMinor=%s", module, pkg, module, pkg, kubeMinor)
	}
	cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", "-ldflags="+ldflags, module+"/cmd/helm@"+version)
	// The scratch folder is outside any module and GOWORK is off, so Tacoma's go.mod is never read
	// or written; GOBIN keeps the binary out of $GOPATH/bin.
	cmd.Dir = stage
	cmd.Env = append(os.Environ(), "GOBIN="+stage, "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", cmd, err, out)
	}
	if err := os.Rename(filepath.Join(stage, "helm"), filepath.Join(dir, "helm")); err != nil {
		return "", err
	}
	return dir, nil
}

// present reports whether dir holds the helm binary.
func present(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "helm"))
	return err == nil
}
