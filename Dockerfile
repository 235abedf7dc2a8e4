# patrolmap: multi-stage build. The web map is built from the npm lockfile, the binary with cgo
# (h3-go is C), and the runtime image keeps the binary on a slim Debian with a libc, plus the
# headless Chromium and the Liberation fonts that print reports and handovers to PDF (official
# form: a serif with full Vietnamese coverage, embedded in the PDF).

FROM node:20-bookworm-slim AS web
WORKDIR /src/webmap
COPY webmap/package.json webmap/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY webmap/ ./
# The map imports the shared palette (palette/palette.json, embedded by Go too).
COPY palette/palette.json /src/palette/palette.json
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/webmap/dist ./webmap/dist
ARG VERSION=docker
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-X main.version=${VERSION}" -o /out/patrolmap ./cmd/patrolmap

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata chromium fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 patrolmap
COPY --from=build /out/patrolmap /usr/local/bin/patrolmap
USER patrolmap
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/patrolmap"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
