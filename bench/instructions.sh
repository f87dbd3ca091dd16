#!/usr/bin/env bash
# bench/instructions.sh schema|dispatch|server [BENCH_BINARY]
#
# Instructions per operation for each case of bench-schema (per validation) or bench-dispatch
# (per request through the whole in-process pipeline), counted by valgrind's cachegrind: each
# case runs once at 1 and once at 1001 iterations and the difference is divided by 1000, so
# loading the specs and compiling the schemas cancel out. Unlike times, the counts are the
# same on a quiet and on a busy machine, which makes them the measure for small changes
# (they do not see cache misses or branch mispredictions; confirm with times).
#
# `server` counts the whole connection loop instead: build/bin/bench-server runs under callgrind
# (instructions inside brrt::http::Connection::run: reading, parsing, dispatch, serializing;
# the kernel's side of each system call is not counted), wrk sends it the harness's pet_by_id
# load for 3 s over loopback, and the count is divided by the requests wrk completed.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-}
case $WHICH in
  schema)
    CASES="NewPet_Valid NewPet_Invalid NewPet_InvalidWithErrors GitHubFullRepository_Valid
      GitHubFullRepository_Invalid GitHubFullRepository_InvalidWithErrors
      GitHubFullRepository_WalkOnly GitHubFullRepository_WalkNames
      NewPet_ValidDocument NewPet_InvalidWithErrorsDocument GitHubFullRepository_ValidDocument
      GitHubFullRepository_InvalidDocument GitHubFullRepository_InvalidWithErrorsDocument"
    UNIT='instructions per validation' ;;
  dispatch)
    CASES="Health PetById ListPets CreatePet CreatePetInvalid UserPost SecurePets
      PetById_Typed ListPets_Typed CreatePet_Typed UserPost_Typed"
    UNIT='instructions per request' ;;
  server) ;;
  *) echo "usage: bench/instructions.sh schema|dispatch|server [BENCH_BINARY]" >&2; exit 2 ;;
esac
BIN=${2:-${BUILD_DIR:-build}/bin/bench-$WHICH}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ $WHICH == server ]]; then
  command -v wrk >/dev/null || { echo "needs wrk (../shared/bench/setup.sh)" >&2; exit 2; }
  LUA=../shared/bench/wrk/bench.lua
  [[ -f $LUA ]] || { echo "needs $LUA (../shared absent?)" >&2; exit 2; }
  PORT=${PORT:-18093}
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
    '--toggle-collect=brrt::http::Connection::run*' \
    "$BIN" --port "$PORT" --threads 1 >/dev/null 2>"$out/log" &
  vg=$!
  for _ in $(seq 1 100); do  # wait until it answers (valgrind starts slowly)
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
    sleep 0.2
  done
  requests=$(BENCH_PATH='/pets/{id}' BENCH_IDS=1000 wrk -t1 -c8 -d3s -s "$LUA" \
    "http://127.0.0.1:$PORT" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
  kill -INT $vg
  wait $vg || true
  total=$(awk '/^summary:/ {print $2}' "$out/cg")
  [[ -n $requests && $requests -gt 0 && -n $total ]] || { echo "no requests counted" >&2; exit 1; }
  # One more request than wrk's: the readiness probe.
  printf '%-45s %s\n' case 'instructions per request (Connection::run)'
  printf '%-45s %d\n' pet_by_id $((total / (requests + 1)))
  exit 0
fi

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
