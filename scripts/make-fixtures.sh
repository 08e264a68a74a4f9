#!/usr/bin/env bash
# Regenerate every R reference fixture: each R script under tests/ runs from its own folder and
# writes its JSON/CSV beside itself. Needs R with metafor, metadat, lme4 and jsonlite
# (Debian: apt-get install r-base-core r-cran-metafor r-cran-metadat r-cran-lme4 r-cran-jsonlite).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Rscript >/dev/null || { echo "make fixtures: Rscript not found (see README: R and metafor)" >&2; exit 1; }
git ls-files 'tests/*.R' | while read -r script; do
  echo "== $script"
  (cd "$(dirname "$script")" && Rscript "$(basename "$script")" > /dev/null)
done
echo "done: review the diff (git diff tests/) before committing"
