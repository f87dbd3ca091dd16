#!/usr/bin/env bash
# bench/instructions.sh schema|dispatch [BENCH_BINARY]
#
# Instructions per operation for each case of bench-schema (per validation) or bench-dispatch
# (per request through the whole in-process pipeline), counted by valgrind's cachegrind: each
# case runs once at 1 and once at 1001 iterations and the difference is divided by 1000, so
# loading the specs and compiling the schemas cancel out. Unlike times, the counts are the
# same on a quiet and on a busy machine, which makes them the measure for small changes
# (they do not see cache misses or branch mispredictions; confirm with times).
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-}
case $WHICH in
  schema)
    CASES="NewPet_Valid NewPet_Invalid NewPet_InvalidWithErrors GitHubFullRepository_Valid
      GitHubFullRepository_Invalid GitHubFullRepository_InvalidWithErrors
      GitHubFullRepository_WalkOnly GitHubFullRepository_WalkNames"
    UNIT='instructions per validation' ;;
  dispatch)
    CASES="Health PetById ListPets CreatePet CreatePetInvalid UserPost SecurePets"
    UNIT='instructions per request' ;;
  *) echo "usage: bench/instructions.sh schema|dispatch [BENCH_BINARY]" >&2; exit 2 ;;
esac
BIN=${2:-${BUILD_DIR:-build}/bin/bench-$WHICH}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

count() {  # count NAME ITERATIONS -> instructions of the whole run
  BRRT_BENCH_COUNTED=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out/cg" \
    "$BIN" --benchmark_filter="^counted/$1/iterations:$2\$" >/dev/null 2>"$out/log"
  awk '/^summary:/ {print $2}' "$out/cg"
}

printf '%-45s %s\n' case "$UNIT"
for c in $CASES; do
  one=$(count "BM_$c" 1)
  many=$(count "BM_$c" 1001)
  printf '%-45s %d\n' "$c" $(((many - one) / 1000))
done
