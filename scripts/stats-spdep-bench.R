# stats-spdep-bench.R: the spdep side of scripts/bench-stats.
#
# Usage: Rscript scripts/stats-spdep-bench.R DIR REPEATS
#   DIR/NAME/x.txt   one count per line
#   DIR/NAME/nb.txt  per cell, the 1-based indices of its neighbours without itself (as
#                    geo.H3Neighbours found them), space-separated; an empty line for none
#   DIR/NAME/z.txt   patrolmap's Gi* z-scores, to check that both sides solve the same problem
# A problem whose NAME starts with "spacetime" is a space-time cube flattened to one Gi*: its
# neighbours reach back in time, so the list is not symmetric.
# Prints one line per problem: NAME CELLS BEST_S MEDIAN_S MAX_ABS_DIFF
#
# Reading the files and building the nb object are not timed. The timed part is what patrolmap's
# side does after its neighbour lookup: the binary weights with the cell itself included and the
# Gi* z-scores, nb2listw(include.self(nb), style = "B") + localG.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
repeats <- if (length(args) > 1) as.integer(args[2]) else 3L
suppressPackageStartupMessages(library(spdep))

read_nb <- function(path, symmetric) {
  lines <- readLines(path)
  nb <- lapply(strsplit(trimws(lines), " +"), function(v) {
    v <- as.integer(v)
    if (length(v) == 0) 0L else sort(v)
  })
  class(nb) <- "nb"
  attr(nb, "region.id") <- as.character(seq_along(nb))
  attr(nb, "sym") <- symmetric
  nb
}

for (name in sort(list.dirs(dir, full.names = FALSE, recursive = FALSE))) {
  x <- scan(file.path(dir, name, "x.txt"), quiet = TRUE)
  # H3 GridDisk neighbourhoods are symmetric; space-time ones, which look back in time, are not.
  nb <- read_nb(file.path(dir, name, "nb.txt"), symmetric = !startsWith(name, "spacetime"))
  ours <- scan(file.path(dir, name, "z.txt"), quiet = TRUE)
  times <- numeric(repeats)
  for (r in seq_len(repeats)) {
    gc(verbose = FALSE)
    t0 <- proc.time()[["elapsed"]]
    lw <- nb2listw(include.self(nb), style = "B")
    z <- as.numeric(localG(x, lw))
    times[r] <- proc.time()[["elapsed"]] - t0
  }
  cat(sprintf("%s %d %.6f %.6f %.3g\n", name, length(x), min(times), median(times), max(abs(z - ours))))
}
