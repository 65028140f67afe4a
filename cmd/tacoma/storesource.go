package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// storeSource names the store a persisted index was filled from, so that an index is reused only
// with the store it mirrors: "sqlite:" and the file's absolute path, or "postgres:" and a short
// hash of the DSN without its password. The hash keeps host and user names out of the logs, and
// leaving the password out lets it rotate without a rebuild. It follows store.Open in telling
// the two apart.
func storeSource(dsn string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		abs, err := filepath.Abs(dsn)
		if err != nil {
			return "", fmt.Errorf("store path %s: %w", dsn, err)
		}
		return store.SQLite + ":" + abs, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// The error would quote the DSN, password and all.
		return "", fmt.Errorf("store dsn: not a valid URL")
	}
	u.Scheme = "postgres" // the two schemes name the same database
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	q.Del("password")
	u.RawQuery = q.Encode() // sorted by key, so the order of parameters does not matter
	sum := sha256.Sum256([]byte(u.String()))
	return store.Postgres + ":" + hex.EncodeToString(sum[:6]), nil
}
