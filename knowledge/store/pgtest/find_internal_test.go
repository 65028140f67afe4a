package pgtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // nothing in PATH: the pattern decides
	tests := []struct {
		name    string
		install map[string][]string // version -> binaries present
		want    string              // folder picked, under the root
		wantErr error
	}{
		{"none", nil, "", ErrNotInstalled},
		{"newest complete one", map[string][]string{"9": {"initdb", "postgres"}, "15": {"initdb", "postgres"}, "16": {"initdb"}}, "/15/bin", nil},
		{"client only", map[string][]string{"15": {"psql"}}, "", ErrNotInstalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for v, bins := range tt.install {
				dir := filepath.Join(root, v, "bin")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for _, b := range bins {
					if err := os.WriteFile(filepath.Join(dir, b), []byte("#!/bin/sh\n"), 0o755); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := findBinaries(filepath.Join(root, "*", "bin", "initdb"))
			if got := strings.TrimPrefix(got, root); got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("findBinaries = root+%q, %v; want root+%q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
