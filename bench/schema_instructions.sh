#!/usr/bin/env bash
# bench/schema_instructions.sh [BENCH_SCHEMA]
#
# Instructions per validation for each bench-schema case, counted by valgrind's cachegrind:
# each case runs once at 1 and once at 1001 iterations and the difference is divided by 1000,
# so loading the specs and compiling the schemas cancel out. Unlike times, the counts are the
# same on a quiet and on a busy machine, which makes them the measure for small changes to the
# validator (they do not see cache misses or branch mispredictions; confirm with times).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${BUILD_DIR:-build}/bin/bench-schema}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

count() {  # count NAME ITERATIONS -> instructions of the whole run
  BRRT_BENCH_COUNTED=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out/cg" \
    "$BIN" --benchmark_filter="^counted/$1/iterations:$2\$" >/dev/null 2>"$out/log"
  awk '/^summary:/ {print $2}' "$out/cg"
}

printf '%-45s %s\n' case 'instructions per validation'
for c in NewPet_Valid NewPet_Invalid NewPet_InvalidWithErrors GitHubFullRepository_Valid \
  GitHubFullRepository_Invalid GitHubFullRepository_InvalidWithErrors; do
  one=$(count "BM_$c" 1)
  many=$(count "BM_$c" 1001)
  printf '%-45s %d\n' "$c" $(((many - one) / 1000))
done
