// Package migrations holds patrolmap's SQL schema migrations, embedded into the binary and
// applied in order by `patrolmap migrate`. Migrations are forward-only: a released file is never
// edited; a change is a new numbered file.
package migrations

import "embed"

// FS holds the numbered goose migration files.
//
//go:embed *.sql
var FS embed.FS
