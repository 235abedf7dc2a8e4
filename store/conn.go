package store

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

func pgxConnConfig(url string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	return cfg, nil
}
