package pgtest_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestNewDatabaseIsolated(t *testing.T) {
	a, b := open(t, pgtest.NewDatabase(t)), open(t, pgtest.NewDatabase(t))
	ctx := t.Context()
	if _, err := a.ExecContext(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatalf("create in a: %v", err)
	}
	var n int
	if err := b.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'`).Scan(&n); err != nil {
		t.Fatalf("query b: %v", err)
	}
	if n != 0 {
		t.Errorf("table made in one database is visible in the other")
	}
	var user string
	if err := a.QueryRowContext(ctx, `SELECT current_user`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	if user != "postgres" {
		t.Errorf("current_user = %q, want postgres", user)
	}
}

func TestStopLeavesNoServer(t *testing.T) {
	c := startCluster(t)
	dsn := c.NewDatabase(t)
	db := open(t, dsn)
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatalf("ping before Stop: %v", err)
	}
	db.Close()
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if pids := serversOn(t, dsn); len(pids) > 0 {
		t.Errorf("postgres processes left after Stop: %v", pids)
	}
}

// startCluster starts a cluster of the test's own, not the shared one.
func startCluster(t *testing.T) *pgtest.Cluster {
	t.Helper()
	pgtest.NewDatabase(t) // skips or fails like every other user when PostgreSQL is missing
	c, err := pgtest.StartCluster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

// TestServerDiesWithTestBinary kills a test binary that started a cluster and never stopped it,
// and expects its postgres to go too.
func TestServerDiesWithTestBinary(t *testing.T) {
	if dsn := os.Getenv("PGTEST_ORPHAN"); dsn != "" {
		c, err := pgtest.StartCluster(context.Background())
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(c.DSN("postgres"))
		select {} // until killed
	}
	pgtest.NewDatabase(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithTestBinary$")
	// The orphan's folder goes in ours, to be removed with it; postgres may run as another user,
	// who must reach it.
	tmp, err := os.MkdirTemp("", "pgtest-orphan-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "PGTEST_ORPHAN=1", "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "postgres://") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, %v", line, err)
	}
	dsn := strings.TrimSpace(line)
	if len(serversOn(t, dsn)) == 0 {
		t.Fatalf("no postgres found for %s while the child runs", dsn)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for len(serversOn(t, dsn)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("postgres for %s still running 10s after its test binary was killed", dsn)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serversOn lists the pids of postgres processes started with the DSN's port.
func serversOn(t *testing.T, dsn string) []string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil || len(procs) == 0 {
		t.Skip("no /proc to look for processes in")
	}
	var pids []string
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the process has gone
		}
		args := strings.Split(string(b), "\x00")
		if strings.HasSuffix(args[0], "postgres") && hasPair(args, "-p", u.Port()) {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}

func hasPair(args []string, flag, value string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag && args[i+1] == value {
			return true
		}
	}
	return false
}
