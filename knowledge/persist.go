package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"go.etcd.io/bbolt"
)

// Mark says what a persisted index of the team's postmortems holds, in its owner's terms: the
// store they came from and the newest change indexed. It is written in the batch of the
// stories it covers, so it never claims one the index does not hold.
type Mark struct {
	Source  string    `json:"source"`
	Through time.Time `json:"through"`
}

const (
	markKey   = "tacoma.mark"
	schemaKey = "tacoma.schema"
	// layoutVersion changes with anything an index holds that the mapping does not describe:
	// how documents are built (document.go), the stored Story's JSON, how compound
	// words are split. An index of another version is rebuilt.
	layoutVersion = "1"
)

func (m *Mark) encode() ([]byte, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode index mark: %w", err)
	}
	return raw, nil
}

// Opened says how OpenIndex found the persisted index.
type Opened struct {
	// Reopened is true when the index on disk was reused; otherwise it was created empty.
	Reopened bool
	// Discarded says why an index found on disk was not reused: unreadable or of an older
	// version. Empty when there was none or it was reused.
	Discarded string
}

// OpenIndex builds the catalog's index in memory and opens the team's postmortems persisted in
// dir, creating it when missing. An index that cannot be read or was written by another version
// is discarded and created empty, with Opened saying why: the caller refills it. Only one
// process may hold dir; a second gets an error naming it.
func OpenIndex(cat *Catalog, dir string) (*Index, Opened, error) {
	x, err := newIndex(cat)
	if err != nil {
		return nil, Opened{}, err
	}
	team, opened, err := openTeam(dir)
	if err != nil {
		x.Close()
		return nil, opened, err
	}
	x.team = newShard(team, nil)
	x.dir = dir
	if err := x.noteTeamAlerts(); err != nil {
		x.Close()
		return nil, opened, err
	}
	return x, opened, nil
}

// openTeam opens or creates the team's index in dir.
func openTeam(dir string) (bleve.Index, Opened, error) {
	schema, err := schemaID()
	if err != nil {
		return nil, Opened{}, err
	}
	var opened Opened
	if _, err := os.Stat(dir); err == nil {
		bi, err := bleve.OpenUsing(dir, runtimeConfig())
		switch {
		case errors.Is(err, bbolt.ErrTimeout):
			return nil, opened, fmt.Errorf("open index %s: another process holds it (one tacoma per data_dir)", dir)
		case transient(err):
			return nil, opened, fmt.Errorf("open index %s: %w", dir, err) // the index may be fine
		case err != nil:
			opened.Discarded = fmt.Sprintf("unreadable: %v", err)
		default:
			got, gerr := bi.GetInternal([]byte(schemaKey))
			if gerr == nil && string(got) == schema {
				opened.Reopened = true
				return bi, opened, nil
			}
			// bleve writes what a batch of no documents sets only with the next documents: an
			// index closed before its first story comes back without its schema.
			if n, cerr := bi.DocCount(); gerr == nil && got == nil && cerr == nil && n == 0 {
				if err := bi.SetInternal([]byte(schemaKey), []byte(schema)); err != nil {
					bi.Close()
					return nil, opened, fmt.Errorf("open index %s: %w", dir, err)
				}
				return bi, opened, nil
			}
			bi.Close()
			opened.Discarded = "written by another version of tacoma"
			if gerr != nil {
				opened.Discarded = fmt.Sprintf("unreadable: %v", gerr)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, opened, fmt.Errorf("remove index %s: %w", dir, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, opened, fmt.Errorf("open index %s: %w", dir, err)
	}
	m, err := newMapping()
	if err != nil {
		return nil, opened, fmt.Errorf("index mapping: %w", err)
	}
	bi, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		return nil, opened, fmt.Errorf("create index %s: %w", dir, err)
	}
	if err := bi.SetInternal([]byte(schemaKey), []byte(schema)); err != nil {
		bi.Close()
		return nil, opened, fmt.Errorf("create index %s: %w", dir, err)
	}
	return bi, opened, nil
}

// transient reports an error that says nothing about the index itself: it is kept for the next
// start rather than discarded.
func transient(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EMFILE) ||
		errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.ENOMEM)
}

// runtimeConfig: a held lock fails in a second instead of blocking forever. Batches return once
// on disk: with "unsafe_batch" even Close leaves the last ones unwritten.
func runtimeConfig() map[string]any {
	return map[string]any{"bolt_timeout": "1s"}
}

// schemaID names what the index holds and how it was analyzed.
func schemaID() (string, error) {
	m, err := newMapping()
	if err != nil {
		return "", fmt.Errorf("index mapping: %w", err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("index mapping: %w", err)
	}
	sum := sha256.Sum256(append(raw, layoutVersion...))
	return hex.EncodeToString(sum[:8]), nil
}

// noteTeamAlerts remembers the alert names of the stories a reopened index holds.
func (x *Index) noteTeamAlerts() error {
	d, err := x.team.bleve.FieldDict("alertnames")
	if err != nil {
		return fmt.Errorf("read index %s: %w", x.dir, err)
	}
	defer d.Close()
	x.mu.Lock()
	defer x.mu.Unlock()
	for {
		e, err := d.Next()
		if err != nil {
			return fmt.Errorf("read index %s: %w", x.dir, err)
		}
		if e == nil {
			return nil
		}
		x.alertnames[e.Term] = true
	}
}

// Mark returns the mark of a persisted index, and false when it has none: new, discarded or
// filled without one.
func (x *Index) Mark() (Mark, bool) {
	team, done, err := x.teamShard()
	if err != nil {
		return Mark{}, false
	}
	defer done()
	raw, err := team.bleve.GetInternal([]byte(markKey))
	if err != nil || len(raw) == 0 {
		return Mark{}, false
	}
	var m Mark
	if json.Unmarshal(raw, &m) != nil {
		return Mark{}, false
	}
	return m, true
}

// AddMarked adds stories like Add and records m with them, in one batch.
func (x *Index) AddMarked(m Mark, stories ...*Story) error {
	return x.add(&m, stories)
}

// Reset drops every added story and the mark, so the owner can refill the index. It waits for
// searches under way. When the emptied index cannot be created on disk again, the team's
// postmortems are kept in memory until the next start, and the error says why.
func (x *Index) Reset() error {
	x.write.Lock()
	defer x.write.Unlock()
	x.life.Lock()
	defer x.life.Unlock()
	if x.closed {
		return ErrClosed
	}
	err := x.team.bleve.Close()
	if err == nil && x.dir != "" {
		err = os.RemoveAll(x.dir)
	}
	var bi bleve.Index
	if err == nil && x.dir != "" {
		bi, _, err = openTeam(x.dir)
	}
	if bi == nil {
		mem, merr := newMemBleve()
		if merr != nil {
			return errors.Join(err, merr)
		}
		bi = mem
	}
	x.team = newShard(bi, nil)
	if err != nil {
		return fmt.Errorf("empty index %s: %w", x.dir, err)
	}
	return nil
}

// Dir is where the team's postmortems persist, or "" when they are kept in memory.
func (x *Index) Dir() string { return x.dir }
