package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// RequireEnv names the variable that, set to 1, turns a missing PostgreSQL from a skip into a
// failure (CI sets it).
const RequireEnv = "TACOMA_REQUIRE_POSTGRES"

// shared is the test binary's one cluster. It is package state on purpose: a cluster takes a
// second or two to start, and every test of the binary uses the same one; Main stops it.
var shared struct {
	main    atomic.Bool
	once    sync.Once
	cluster *Cluster
	err     error
}

// Main runs the tests, then stops the shared cluster if one was started, and returns the exit
// code for os.Exit. Call it from TestMain; NewDatabase refuses to run without it, since nothing
// else would stop the cluster.
func Main(m *testing.M) int {
	shared.main.Store(true)
	code := m.Run()
	if shared.cluster != nil {
		if err := shared.cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// NewDatabase returns the DSN of a fresh database in the shared cluster, starting the cluster on
// first use, and drops the database when t ends. Without PostgreSQL installed it skips t, or
// fails it when TACOMA_REQUIRE_POSTGRES=1.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if !shared.main.Load() {
		t.Fatal("pgtest: call pgtest.Main from TestMain, so the shared cluster is stopped when the tests end")
	}
	shared.once.Do(func() {
		shared.cluster, shared.err = StartCluster(context.Background())
	})
	if errors.Is(shared.err, ErrNotInstalled) && os.Getenv(RequireEnv) != "1" {
		t.Skipf("%v (set %s=1 to fail instead)", shared.err, RequireEnv)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.cluster.NewDatabase(t)
}
