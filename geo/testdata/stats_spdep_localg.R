# Cross-check for geo's Gi*: computes spdep::localG on the files spdep_test.go writes.
# Usage: Rscript stats_spdep_localg.R DIR
#   DIR/x.txt   one value per line
#   DIR/nb.txt  one line per cell: the 1-based indices of its neighbours WITHOUT itself,
#               space-separated; an empty line for a cell with none
# Writes DIR/z.txt, one Gi* z-score per line.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
suppressPackageStartupMessages(library(spdep))
x <- scan(file.path(dir, "x.txt"), quiet = TRUE)
lines <- readLines(file.path(dir, "nb.txt"))
nb <- lapply(lines, function(l) {
  v <- as.integer(strsplit(trimws(l), " +")[[1]])
  if (length(v) == 0) 0L else sort(v)
})
class(nb) <- "nb"
attr(nb, "region.id") <- as.character(seq_along(nb))
attr(nb, "sym") <- is.symmetric.nb(nb, verbose = FALSE, force = TRUE)
lw <- nb2listw(include.self(nb), style = "B", zero.policy = TRUE)
g <- localG(x, lw, zero.policy = TRUE)
writeLines(sprintf("%.17g", as.numeric(g)), file.path(dir, "z.txt"))
