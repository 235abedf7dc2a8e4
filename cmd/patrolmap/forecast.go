package main

import (
	"context"
	"io"
)

// cmdForecast runs the forecast backtest of the emerging hot spot analysis.
func cmdForecast(ctx context.Context, args []string, stdout io.Writer) error {
	return usageError{"forecast is not available in this build yet"}
}
