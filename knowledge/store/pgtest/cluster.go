// Package pgtest starts throwaway PostgreSQL clusters for tests: one per test binary, shared, with
// a fresh database per test. It runs the initdb and postgres of Debian's postgresql package (or
// whichever are in PATH), on 127.0.0.1 and a free port, with fsync off and trust authentication.
//
// Use it from a test package as:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		dsn := pgtest.NewDatabase(t) // skips when PostgreSQL is not installed
//		...
//	}
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Cluster is a running throwaway PostgreSQL server. Its methods are safe for concurrent use;
// whoever started it calls Stop.
type Cluster struct {
	dir  string // holds data/, the unix socket and postgres.log; removed by Stop
	bin  string
	user *account // nil unless running as root
	port int

	admin *sql.DB
	proc  *os.Process
	done  chan struct{} // closed when postgres has exited
	seq   atomic.Int64

	stopOnce sync.Once
	stopped  atomic.Bool
	stopErr  error
}

// StartCluster initialises and starts a cluster in a new temporary folder. It returns an error
// wrapping ErrNotInstalled when the PostgreSQL binaries are missing.
//
// postgres runs as a direct child rather than under pg_ctl, so that it stays this process's child
// and the kernel stops it (SIGQUIT) if the test binary dies without calling Stop.
func StartCluster(ctx context.Context) (*Cluster, error) {
	bin, err := findBinaries(debianBinaries)
	if err != nil {
		return nil, err
	}
	removeStale()
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, bin: bin}
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	if err := os.WriteFile(filepath.Join(c.dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := unprivileged()
		if err != nil {
			return err
		}
		if err := os.Chown(c.dir, u.uid, u.gid); err != nil {
			return fmt.Errorf("pgtest: hand %s to %s: %w", c.dir, u.name, err)
		}
		c.user = u
	}
	initdb := c.command("initdb", "-D", filepath.Join(c.dir, "data"), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	// A free port can be taken between probing and binding; try again with another.
	var err error
	for range 3 {
		if err = c.run(ctx); err == nil {
			return nil
		}
	}
	return err
}

// run starts postgres on a free port and waits until it accepts connections.
func (c *Cluster) run(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logPath := filepath.Join(c.dir, "postgres.log")
	log, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer log.Close() // postgres holds its own copy of the descriptor
	cmd := c.command("postgres", "-D", filepath.Join(c.dir, "data"), "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-k", c.dir, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=300")
	cmd.Stdout, cmd.Stderr = log, log
	dieWithParent(cmd.SysProcAttr)
	done := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The parent-death signal follows the thread that forked, not the process: keep this
		// goroutine on its thread until postgres exits. Unlocking is left out on purpose, so the
		// thread ends with the goroutine instead of being reused.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait() // the exit status says nothing useful; the log does
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.proc, c.done, c.port = cmd.Process, done, port
	if err := c.waitReady(ctx); err != nil {
		c.kill()
		logText, _ := os.ReadFile(logPath)
		return fmt.Errorf("pgtest: postgres on port %d: %w\n%s", port, err, logText)
	}
	return nil
}

func (c *Cluster) waitReady(ctx context.Context) error {
	db, err := sql.Open("pgx", c.DSN("postgres"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		err := db.PingContext(ctx)
		if err == nil {
			c.admin = db
			return nil
		}
		select {
		case <-c.done:
			db.Close()
			return errors.New("exited before accepting connections")
		case <-ctx.Done():
			db.Close()
			return fmt.Errorf("not ready: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// command prepares one of the cluster's binaries to run in its folder, as the unprivileged user
// when there is one, without the PG* variables of the caller's environment.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if c.user != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(c.user.uid), Gid: uint32(c.user.gid)}
	}
	return cmd
}

// DSN is the URL of database name in the cluster, as the superuser postgres.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// NewDatabase creates an empty database for t, dropped when t ends (unless the cluster was
// stopped first), and returns its DSN.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", c.seq.Add(1), identifier(t.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if c.stopped.Load() {
			return // the database went with the cluster
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends the sessions of a store the test left open.
		if _, err := c.admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.DSN(name)
}

// identifier turns a test name into the tail of a database name: lower case letters, digits and
// underscores, short enough for PostgreSQL's 63-byte limit.
func identifier(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() == 40 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Stop stops postgres and removes the cluster's folder. Calling it again returns the first result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.stopped.Store(true)
		if c.admin != nil {
			c.admin.Close()
		}
		c.kill()
		if err := os.RemoveAll(c.dir); err != nil {
			c.stopErr = fmt.Errorf("pgtest: %w", err)
		}
	})
	return c.stopErr
}

// kill stops postgres at once: SIGQUIT is its immediate shutdown, which also ends every backend.
// The data is thrown away, so no shutdown checkpoint is worth waiting for.
func (c *Cluster) kill() {
	if c.proc == nil {
		return
	}
	c.proc.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.proc.Kill()
		<-c.done
	}
	c.proc = nil
}
