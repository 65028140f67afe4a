package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotInstalled means initdb and postgres were found neither in PATH nor in
// /usr/lib/postgresql/*/bin.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found in PATH or /usr/lib/postgresql/*/bin; " +
	"install them (Debian/Ubuntu: apt-get install postgresql-15; macOS: brew install postgresql@15)")

const (
	tempPrefix = "tacoma-pgtest-"
	ownerFile  = "owner.pid" // the test binary that made the folder
)

// debianBinaries is where Debian's postgresql-NN packages put the server, outside PATH.
const debianBinaries = "/usr/lib/postgresql/*/bin/initdb"

// findBinaries returns the folder holding initdb and postgres: PATH first, then the newest
// version among the folders matching pattern (debianBinaries but in tests).
func findBinaries(pattern string) (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err := filepath.EvalSymlinks(p); err == nil && hasServer(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	found, _ := filepath.Glob(pattern)
	dirs := make([]string, 0, len(found))
	for _, f := range found {
		if hasServer(filepath.Dir(f)) {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if len(dirs) == 0 {
		return "", ErrNotInstalled
	}
	return dirs[0], nil
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// version reads the major version out of .../postgresql/<version>/bin.
func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// account is the unprivileged user a root test binary runs PostgreSQL as.
type account struct {
	name     string
	uid, gid int
}

// unprivileged picks the postgres user Debian's package creates, else nobody.
func unprivileged() (*account, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil {
			return &account{name: name, uid: uid, gid: gid}, nil
		}
	}
	return nil, errors.New("pgtest: running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as")
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStale removes the folders of clusters whose test binary died without stopping them (a
// panic or a -timeout); the kernel already stopped their postgres.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			os.RemoveAll(dir)
		}
	}
}
