package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/store"
)

func TestOpenErrors(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dsn  string
		want []string // in the error, in order
	}{
		{"nothing to connect to", "postgres://tacoma:" + secret + "@127.0.0.1:1/tacoma?sslmode=disable",
			[]string{"open postgres postgres://tacoma:xxxxx@127.0.0.1:1/tacoma"}},
		{"password as a parameter", "postgresql://tacoma@127.0.0.1:1/tacoma?password=" + secret,
			[]string{"open postgres", "password=xxxxx"}},
		{"not a URL", "postgres://tacoma:" + secret + "@127.0.0.1:port/x", []string{"open postgres: DSN is not a valid URL"}},
		{"bad parameter", "postgres://tacoma:" + secret + "@127.0.0.1:1/x?sslmode=sometimes", []string{"open postgres", "sslmode"}},
		{"empty", "", []string{"open sqlite: empty path"}},
		{"question mark", filepath.Join(t.TempDir(), "a?b.db"), []string{"must not contain '?'"}},
		{"folder under a file", filepath.Join(notDir, "sub", "tacoma.db"), []string{"open sqlite " + notDir, "not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := store.Open(ctx, tt.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) = nil error", tt.dsn)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) {
				t.Errorf("Open error shows the password: %s", msg)
			}
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("Open error = %q, want it to contain %q", msg, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}
