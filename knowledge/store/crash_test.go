package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// The crash test re-runs this test binary as a writer: given these variables it saves postmortems
// from crashFrom on, printing each ID once SavePostmortem has returned, until it is killed.
const (
	crashDSN  = "TACOMA_STORE_CRASH_DSN"
	crashFrom = "TACOMA_STORE_CRASH_FROM"
)

// TestCrashConsistency kills a writer with SIGKILL at arbitrary moments and checks that the
// database opens cleanly and holds every postmortem the writer saw acknowledged, intact. A killed
// process loses nothing the kernel already has, so this checks the transactions and the recovery,
// not the fsync (synchronous=FULL is checked in TestSQLitePragmas).
func TestCrashConsistency(t *testing.T) {
	if dsn := os.Getenv(crashDSN); dsn != "" {
		crashWriter(dsn, os.Getenv(crashFrom))
		return
	}
	if testing.Short() {
		t.Skip("starts writer processes")
	}
	eachEngine(t, func(t *testing.T, dsn string) {
		rng := rand.New(rand.NewPCG(7, 11)) // fixed: the same kill times every run
		next := 0
		for round := range 3 {
			acked := crashRound(t, dsn, next, 30*time.Millisecond+time.Duration(rng.IntN(250))*time.Millisecond)
			if len(acked) == 0 {
				t.Fatalf("round %d: the writer acknowledged nothing before it was killed", round)
			}
			next = checkAfterCrash(t, dsn, acked)
			t.Logf("round %d: %d saves acknowledged, %d postmortems stored", round, len(acked), next)
		}
	})
}

// crashWriter is the child's side. It never returns: it is killed.
func crashWriter(dsn, from string) {
	n, err := strconv.Atoi(from)
	if err == nil {
		var s *store.Store
		if s, err = store.Open(context.Background(), dsn); err == nil {
			for ; err == nil; n++ {
				if err = s.SavePostmortem(context.Background(), crashSample(n)); err == nil {
					_, err = fmt.Fprintln(os.Stdout, crashSample(n).ID)
				}
			}
		}
	}
	fmt.Fprintln(os.Stderr, "crash writer:", err)
	os.Exit(3)
}

// crashSample is postmortem n of the writer, the same in the parent, which compares against it.
func crashSample(n int) *postmortem.Postmortem {
	p := sample(n)
	p.ID = fmt.Sprintf("crash-%06d", n)
	p.CreatedAt = base.Add(time.Duration(n) * time.Second)
	return p
}

// crashRound starts a writer at postmortem from, kills it after the delay (counted from its first
// acknowledgement) and returns the IDs it acknowledged.
func crashRound(t *testing.T, dsn string, from int, delay time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashConsistency$")
	cmd.Env = append(os.Environ(), crashDSN+"="+dsn, crashFrom+"="+strconv.Itoa(from))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		r := bufio.NewReader(out)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // a line cut short by the kill was never acknowledged
			}
			lines <- strings.TrimSuffix(line, "\n")
		}
	}()
	var acked []string
	timer := time.NewTimer(time.Minute) // until the first acknowledgement, then the delay
	defer timer.Stop()
	killed := false
	for !killed {
		select {
		case id, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("writer exited by itself: %s", stderr.String())
			}
			if len(acked) == 0 {
				timer.Reset(delay)
			}
			acked = append(acked, id)
		case <-timer.C:
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	for id := range lines {
		acked = append(acked, id)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("writer ended with %v, want killed; stderr: %s", err, stderr.String())
	}
	out.Close()
	return acked
}

// checkAfterCrash reopens the store, checks it, and returns how many postmortems it holds, all of
// which must be intact: acknowledged ones certainly, and the one in flight if it was committed.
func checkAfterCrash(t *testing.T, dsn string, acked []string) int {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") {
		var result string
		if err := rawDB(t, dsn).QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
			t.Fatalf("integrity_check = %q, %v", result, err)
		}
	}
	s, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open after crash: %v", err)
	}
	defer s.Close()
	for _, id := range acked {
		if _, err := s.Postmortem(t.Context(), id); errors.Is(err, store.ErrNotFound) {
			t.Errorf("acknowledged %s is missing after the crash", id)
		}
	}
	stored := 0
	err = s.EachPostmortem(t.Context(), "", func(got *postmortem.Postmortem) error {
		n, err := strconv.Atoi(strings.TrimPrefix(got.ID, "crash-"))
		if err != nil {
			return fmt.Errorf("unexpected postmortem %q", got.ID)
		}
		if diff := cmp.Diff(crashSample(n), got, cmpopts.IgnoreFields(postmortem.Postmortem{}, "UpdatedAt")); diff != "" {
			t.Errorf("%s after the crash (-saved +read):\n%s", got.ID, diff)
		}
		stored++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored < len(acked) {
		t.Errorf("%d postmortems stored, fewer than the %d acknowledged", stored, len(acked))
	}
	return stored
}
