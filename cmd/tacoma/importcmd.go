package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// importBatch is how many postmortems one transaction saves.
const importBatch = 500

// skipped is a file that was not imported, and why.
type skipped struct{ path, reason string }

func runImport(ctx context.Context, e env, args []string) error {
	fset, _ := newFlags("import", "[--config FILE] DIR|FILE...", e.stderr)
	cfgPath := fset.String("config", os.Getenv("TACOMA_CONFIG"), "the config `FILE` that says where the store is (default $TACOMA_CONFIG)")
	paths, ok, err := parseFlags(fset, args)
	if !ok || err != nil {
		return err
	}
	if len(paths) == 0 {
		fset.Usage()
		return usagef("import: want Markdown files or folders of them")
	}
	c, err := loadConfig(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	files, skips := markdownFiles(paths)
	unreadable := len(skips)
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	seen := map[string]string{} // id -> file, to catch two files claiming one postmortem
	var batch []*postmortem.Postmortem
	imported, updated := 0, 0
	prog := newProgress(e.stderr)
	save := func() error {
		if err := st.SavePostmortems(ctx, batch); err != nil {
			return fmt.Errorf("save %d postmortems: %w (the %d saved before are kept)", len(batch), err, imported)
		}
		imported += len(batch)
		batch = batch[:0]
		return nil
	}
	for i, f := range files {
		prog.show("importing: %d of %d files read, %d saved", i, len(files), imported)
		p, err := readPostmortem(f)
		if err != nil {
			skips = append(skips, skipped{f, err.Error()})
			continue
		}
		if other, dup := seen[p.ID]; dup {
			skips = append(skips, skipped{f, fmt.Sprintf("id %q is also the id of %s; give one of them another id in its front matter", p.ID, other)})
			continue
		}
		seen[p.ID] = f
		if _, err := st.Postmortem(ctx, p.ID); err == nil {
			updated++
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		batch = append(batch, p)
		if len(batch) == importBatch {
			if err := save(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := save(); err != nil {
			return err
		}
	}
	took := time.Since(start)
	prog.done()
	fmt.Fprintf(e.stdout, "imported %d postmortems (%d new, %d replaced) from %d files in %s (%.0f files/s) into %s\n",
		imported, imported-updated, updated, len(files), took.Round(time.Millisecond), float64(len(files))/max(took.Seconds(), 1e-6), st.Dialect())
	if imported > 0 {
		fmt.Fprintln(e.stdout, "Finished postmortems are matched beside the catalog the next time the bot starts.")
	}
	if len(skips) == 0 {
		return nil
	}
	sort.Slice(skips, func(i, j int) bool { return skips[i].path < skips[j].path })
	fmt.Fprintf(e.stdout, "skipped %d:\n", len(skips))
	for _, s := range skips {
		fmt.Fprintf(e.stdout, "  %s: %s\n", s.path, s.reason)
	}
	return fmt.Errorf("import: %d of %d files skipped (listed above); the others were imported", len(skips), len(files)+unreadable)
}

// maxImportBytes matches the parser's own limit; larger files are refused before reading.
const maxImportBytes = 1 << 20

func readPostmortem(path string) (*postmortem.Postmortem, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxImportBytes {
		return nil, fmt.Errorf("%d bytes, larger than the %d a postmortem may have", info.Size(), maxImportBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := postmortem.Parse(filepath.Base(path), data)
	if err != nil {
		var pe *postmortem.ParseError
		if errors.As(err, &pe) {
			if pe.Line > 0 {
				return nil, fmt.Errorf("line %d: %s", pe.Line, pe.Reason)
			}
			return nil, errors.New(pe.Reason)
		}
		return nil, err
	}
	p.Markdown = string(data)
	return p, nil
}

// markdownFiles expands folders into their Markdown files, in a stable order. Paths that are
// neither are reported as skipped, not silently dropped.
func markdownFiles(paths []string) (files []string, skips []skipped) {
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			skips = append(skips, skipped{p, "cannot be read: " + err.Error()})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				skips = append(skips, skipped{path, err.Error()})
				return nil
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != p {
				return filepath.SkipDir
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".md", ".markdown":
				if !d.IsDir() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			skips = append(skips, skipped{p, err.Error()})
		}
	}
	sort.Strings(files)
	return files, skips
}

func runExport(ctx context.Context, e env, args []string) error {
	fset, _ := newFlags("export", "[--config FILE] [--status final|draft|all] DIR", e.stderr)
	cfgPath := fset.String("config", os.Getenv("TACOMA_CONFIG"), "the config `FILE` that says where the store is (default $TACOMA_CONFIG)")
	status := fset.String("status", "final", "which postmortems: final, draft or all")
	rest, ok, err := parseFlags(fset, args)
	if !ok || err != nil {
		return err
	}
	if len(rest) != 1 {
		fset.Usage()
		return usagef("export: want one folder to write the postmortems to")
	}
	switch *status {
	case "final", "draft":
	case "all":
		*status = ""
	default:
		return usagef("export: --status wants final, draft or all, got %q", *status)
	}
	dir := rest[0]
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	c, err := loadConfig(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	n := 0
	prog := newProgress(e.stderr)
	defer prog.done()
	err = st.EachPostmortem(ctx, *status, func(p *postmortem.Postmortem) error {
		data, err := postmortem.Export(p)
		if err != nil {
			return fmt.Errorf("export %s: %w", p.ID, err)
		}
		path := filepath.Join(dir, postmortem.Slug(p.ID)+".md")
		if err := writeFileAtomic(path, data); err != nil {
			return err
		}
		n++
		prog.show("exporting: %d written", n)
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %d postmortems to %s\n", n, dir)
	return nil
}

// writeFileAtomic writes through a temporary file, so a crash never leaves half a postmortem.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tacoma-export-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
