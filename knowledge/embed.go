package knowledge

import "embed"

// builtin is the catalog shipped in the binary: catalog/stories, catalog/checklists and
// catalog/synonyms.yaml, in the same layout a team's own catalog folder uses.
//
//go:embed catalog/stories/*.yaml catalog/checklists/*.yaml catalog/synonyms.yaml
var builtin embed.FS
