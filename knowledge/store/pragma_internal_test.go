package store

import (
	"path/filepath"
	"testing"
)

// TestSQLitePragmas checks the settings durability and concurrency rest on, on several pooled
// connections, since each is configured on its own.
func TestSQLitePragmas(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "tacoma.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "10000"},
		{"foreign_keys", "1"},
	}
	conns := make([]interface{ Close() error }, 0, 3)
	for range 3 {
		c, err := s.db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, tt := range tests {
			var got string
			if err := c.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
}
