# patrolmap — the two front-door commands are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
WEB_SRC := $(shell find webmap/src -type f 2>/dev/null) webmap/build.mjs webmap/favicon.mjs webmap/package.json palette/palette.json

.PHONY: all build web demo test vet bench bench-scale clean

all: build

## build: the web map from the npm lockfile, then the binary at bin/patrolmap
build: web
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/patrolmap ./cmd/patrolmap

web: webmap/dist/index.html

webmap/node_modules/.installed: webmap/package-lock.json
	cd webmap && npm ci --no-audit --no-fund --loglevel=error
	touch $@

webmap/dist/index.html: webmap/node_modules/.installed $(WEB_SRC)
	cd webmap && npm run --silent build

## demo: private PostGIS under ./.data (unless DATABASE_URL is set), demo ward, serve :8080
demo: build
	./scripts/demo

## test: every test against a real PostGIS and a real headless Chromium
test: build
	./scripts/test

vet:
	$(GO) vet ./...

## bench: benchmarks, results written into docs/BENCHMARKS.md
bench: build
	./scripts/bench

## bench-scale: the 30-ward synthetic sample (about 15 million fixes) and coverage at scale
bench-scale: build
	./scripts/bench-scale

clean:
	rm -rf bin webmap/dist/*.js webmap/dist/*.css webmap/dist/*.html
