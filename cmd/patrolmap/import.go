package main

import (
	"context"
	"io"
)

// cmdImport runs `patrolmap import gpx|incidents|roads|areas FILE --unit CODE`.
func cmdImport(ctx context.Context, args []string, stdout io.Writer) error {
	return usageError{"import is not available in this build yet"}
}
