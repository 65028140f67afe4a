package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
	"github.com/tacoma-bot/tacoma/knowledge/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// engine makes empty databases of one kind, for the same suite to run on each.
type engine struct {
	name string
	dsn  func(t testing.TB) string
}

func engines() []engine {
	return []engine{
		{store.SQLite, func(t testing.TB) string { return filepath.Join(t.TempDir(), "folder", "tacoma.db") }},
		{store.Postgres, pgtest.NewDatabase},
	}
}

// eachEngine runs fn once per engine, with a fresh database.
func eachEngine(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) { fn(t, e.dsn(t)) })
	}
}

func open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens the database under a store, for what the API does not show (the schema version,
// SQLite's integrity check).
func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres://") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// base is an arbitrary instant, in a zone other than UTC so that conversions show.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.FixedZone("CET", 3600))

// sample is postmortem n of a test: every field set, times away from UTC and with nanoseconds,
// Markdown long enough to spill out of one page.
func sample(n int) *postmortem.Postmortem {
	at := base.Add(time.Duration(n) * time.Minute)
	status := postmortem.Draft
	if n%3 == 0 {
		status = postmortem.Final
	}
	return &postmortem.Postmortem{
		ID:          fmt.Sprintf("pm-%06d", n),
		Title:       fmt.Sprintf("Checkout 5xx after deploy %d — «ünïcode»", n),
		Status:      status,
		Source:      postmortem.FromSlack,
		Channel:     fmt.Sprintf("C%03d", n%4),
		ChannelName: fmt.Sprintf("inc-%d", n),
		Template:    "default",
		Severity:    "sev2",
		Started:     at.Add(123 * time.Nanosecond),
		Detected:    at.Add(2 * time.Minute),
		Mitigated:   at.Add(20 * time.Minute),
		Summary:     "Pods crash-looped after a config push.",
		RootCause:   "A missing key in the ConfigMap.",
		Timeline: []postmortem.Event{
			{At: at, Kind: postmortem.KindAlert, Who: "Alertmanager", Text: "KubePodCrashLooping"},
			{At: at.Add(time.Minute), Kind: postmortem.KindReport, Who: "Ana", Text: "checkout is down"},
		},
		Participants: []postmortem.Participant{{ID: "U1", Name: "Ana", Messages: 3}},
		Alerts:       []string{"KubePodCrashLooping"},
		Services:     []string{"checkout"},
		Classes:      []string{"config-change"},
		Similar:      []postmortem.Similar{{ID: "s1", Title: "Bad config", Helpful: true}},
		ActionItems:  []string{"validate config in CI"},
		Markdown:     fmt.Sprintf("# Postmortem %d\n\n%s", n, strings.Repeat("Line of the write-up, with `code` and ✓.\n", 50+n%200)),
	}
}
