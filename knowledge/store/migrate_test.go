package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// schemaVersions lists the versions recorded in schema_migrations.
func schemaVersions(t *testing.T, dsn string) []int {
	t.Helper()
	rows, err := rawDB(t, dsn).QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		s := open(t, dsn)
		p := sample(2)
		if err := s.SavePostmortem(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		want := schemaVersions(t, dsn)
		if len(want) == 0 {
			t.Fatal("no migration recorded after Open")
		}
		s.Close()
		s = open(t, dsn)
		if got := schemaVersions(t, dsn); len(got) != len(want) {
			t.Errorf("schema versions after reopen = %v, want %v", got, want)
		}
		got, err := s.Postmortem(t.Context(), p.ID)
		if err != nil || got.Markdown != p.Markdown {
			t.Errorf("Postmortem after reopen = %v, %v", got, err)
		}
	})
}

// TestConcurrentOpen opens one fresh database from several goroutines at once, as replicas
// starting together do: every Open succeeds and each migration is applied once.
func TestConcurrentOpen(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		const replicas = 6
		var wg sync.WaitGroup
		errs := make([]error, replicas)
		for i := range replicas {
			wg.Go(func() {
				s, err := store.Open(context.Background(), dsn)
				if err == nil {
					err = s.SavePostmortem(context.Background(), sample(i))
					s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
		vs := schemaVersions(t, dsn)
		for i, v := range vs {
			if v != i+1 {
				t.Fatalf("schema versions = %v, want 1..n each once", vs)
			}
		}
	})
}

func TestRefuseNewerSchema(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		open(t, dsn).Close()
		// A newer Tacoma was here.
		if _, err := rawDB(t, dsn).ExecContext(t.Context(),
			`INSERT INTO schema_migrations (version, applied_at) VALUES (999, '2030-01-01T00:00:00.000000Z')`); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(t.Context(), dsn)
		if err == nil {
			s.Close()
			t.Fatal("Open = nil error, want the newer schema refused")
		}
		if !errors.Is(err, store.ErrNewerSchema) || !strings.Contains(err.Error(), "version 999") {
			t.Errorf("Open = %v, want ErrNewerSchema naming version 999", err)
		}
	})
}

func TestDialectAndPing(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			s := open(t, e.dsn(t))
			if got := s.Dialect(); got != e.name {
				t.Errorf("Dialect() = %q, want %q", got, e.name)
			}
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
			s.Close()
			if err := s.Ping(t.Context()); err == nil {
				t.Error("Ping after Close = nil, want an error")
			}
			if err := s.SavePostmortem(t.Context(), &postmortem.Postmortem{ID: "x"}); err == nil {
				t.Error("SavePostmortem after Close = nil, want an error")
			}
		})
	}
}
