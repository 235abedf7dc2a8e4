# Cross-check of GET /api/v1/hotspots with spdep::localG, run by TestHotspotsSpdep.
#
# Usage: Rscript hotspots_spdep.R DIR
#   DIR/NAME_kK.geojson  an answer of GET /api/v1/hotspots computed with neighbourhood k = K
# Writes DIR/NAME_kK.csv with one row per cell: cell, z, p, significant (BH at alpha 0.05),
# confidence (99/95/90/0 from BH at 0.01/0.05/0.10).
#
# Nothing here uses H3: the neighbours come from the hexagons the service returned. The centre of
# a hexagon is the mean of its vertices; d1 is the median distance between a centre and the
# nearest other one. On a hexagonal grid of spacing d1, cells at grid distance m lie at most m·d1
# apart and at least dmin(m)·d1, dmin(m) = sqrt(a² + b² + ab) with a = ceil(m/2), b = floor(m/2),
# so the cells within grid distance K are the centres closer than (K + dmin(K+1))/2 · d1
# (1.37 d1 for K = 1, 2.32 d1 for K = 2).
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
suppressPackageStartupMessages({
  library(sf)
  library(spdep)
})

dmin <- function(m) {
  a <- ceiling(m / 2)
  b <- floor(m / 2)
  sqrt(a^2 + b^2 + a * b)
}

files <- list.files(dir, pattern = "_k[0-9]+\\.geojson$", full.names = TRUE)
if (length(files) == 0) stop("no answers in ", dir)
for (f in files) {
  k <- as.integer(sub(".*_k([0-9]+)\\.geojson$", "\\1", f))
  h <- st_read(f, quiet = TRUE)
  centres <- t(vapply(st_geometry(h), function(poly) {
    ring <- poly[[1]]
    colMeans(ring[-nrow(ring), , drop = FALSE]) # the closing vertex repeats the first
  }, numeric(2)))
  nearest <- knn2nb(knearneigh(centres, k = 1, longlat = TRUE))
  d1 <- median(unlist(nbdists(nearest, centres, longlat = TRUE)))
  nb <- dnearneigh(centres, 0, d1 * (k + dmin(k + 1)) / 2, longlat = TRUE)
  most <- 3 * k * (k + 1) # GridDisk(k) without the cell itself
  if (max(card(nb)) > most) stop(sprintf("%s: a cell has %d neighbours, more than %d", f, max(card(nb)), most))

  lw <- nb2listw(include.self(nb), style = "B", zero.policy = TRUE)
  z <- as.numeric(localG(h$count, lw, zero.policy = TRUE))
  p <- 2 * pnorm(-abs(z))
  adj <- p.adjust(p, method = "BH")
  confidence <- ifelse(adj <= 0.01, 99L, ifelse(adj <= 0.05, 95L, ifelse(adj <= 0.10, 90L, 0L)))
  out <- data.frame(cell = h$cell, z = sprintf("%.17g", z), p = sprintf("%.17g", p),
                    significant = ifelse(adj <= 0.05, "true", "false"), confidence = confidence)
  write.csv(out, sub("\\.geojson$", ".csv", f), row.names = FALSE, quote = FALSE)
}
