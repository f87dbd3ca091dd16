#!/usr/bin/env bash
# bench/ajv/side_by_side.sh [ROUNDS]
#
# brrt::schema against ajv 8 on the same cases, the way docs/schema.md measures them: ROUNDS
# (default 8) alternating rounds of build/bin/bench-schema and bench/ajv/bench.mjs, both pinned
# to CPU 0, so that the machine's drift (up to 2x between nights, 30-50% within minutes) falls
# on both alike; each round takes each side's best of 5 runs per case. Prints a markdown
# table: per case the median of the rounds and their range,
# ajv / brrt of the medians, and of the fastest rounds (interference only ever adds time).
# Needs `make build` (BUILD_DIR, default build) and the npm packages (`make deps`).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-8}
BIN=${BUILD_DIR:-build}/bin/bench-schema
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
command -v node >/dev/null || { echo "needs node (make deps)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
CASES='NewPet|GitHubFullRepository_(Valid|Invalid|InvalidWithErrors|WalkOnly|WalkNames|ValidFromBytes|ParseOnly)(Document)?$'
for ((i = 1; i <= ROUNDS; i++)); do
  echo "round $i/$ROUNDS" >&2
  # Best of 5 runs of at least 0.2 s per case, as bench.mjs takes the best of 5 timed runs of
  # at least 200 ms: the same measure on both sides (interference only ever adds time).
  taskset -c 0 "$BIN" --benchmark_filter="$CASES" --benchmark_repetitions=5 \
    --benchmark_min_time=0.2 2>/dev/null |
    awk '/^BM_/ && $3 == "ns" { if (!($1 in best) || $2 + 0 < best[$1]) best[$1] = $2 + 0 }
         END { for (c in best) print "brrt\t" c "\t" best[c] }' >>"$out"
  taskset -c 0 node bench/ajv/bench.mjs | sed -n 's|^\(.*[^ ]\)  *\([0-9.]*\) ns/validation$|ajv\t\1\t\2|p' >>"$out"
done
python3 - "$out" "$ROUNDS" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, case, ns = line.rstrip("\n").split("\t")
    rows.setdefault((who, case.strip()), []).append(float(ns))
cases = [  # bench-schema name, ajv name, what
    ("BM_NewPet_Valid", "NewPet valid", "NewPet valid"),
    ("BM_NewPet_Invalid", "NewPet invalid", "NewPet invalid, first error"),
    ("BM_NewPet_InvalidWithErrors", "NewPet invalid (allErrors)", "NewPet invalid, all errors"),
    ("BM_GitHubFullRepository_Valid", "GitHub full-repository valid", "GitHub full-repository valid"),
    ("BM_GitHubFullRepository_Invalid", "GitHub full-repository invalid",
     "GitHub full-repository invalid, first error"),
    ("BM_GitHubFullRepository_InvalidWithErrors", "GitHub full-repository invalid (allErrors)",
     "GitHub full-repository invalid, all errors"),
    ("BM_GitHubFullRepository_WalkOnly", None, "floor: walk the GitHub document, read kinds"),
    ("BM_GitHubFullRepository_WalkNames", None, "floor: walk and look every name up"),
    ("BM_NewPet_ValidFromBytes", "NewPet valid from bytes", "NewPet valid, from bytes (parse + validate)"),
    ("BM_GitHubFullRepository_ValidFromBytes", "GitHub full-repository valid from bytes",
     "GitHub full-repository valid, from bytes (parse + validate)"),
    ("BM_GitHubFullRepository_ParseOnly", "GitHub full-repository parse only",
     "GitHub full-repository, parse only"),
    # The same over a schema::Document (member names resolved while parsing).
    ("BM_NewPet_ValidDocument", "NewPet valid", "Document: NewPet valid"),
    ("BM_NewPet_InvalidDocument", "NewPet invalid", "Document: NewPet invalid, first error"),
    ("BM_NewPet_InvalidWithErrorsDocument", "NewPet invalid (allErrors)",
     "Document: NewPet invalid, all errors"),
    ("BM_GitHubFullRepository_ValidDocument", "GitHub full-repository valid",
     "Document: GitHub full-repository valid"),
    ("BM_GitHubFullRepository_InvalidDocument", "GitHub full-repository invalid",
     "Document: GitHub full-repository invalid, first error"),
    ("BM_GitHubFullRepository_InvalidWithErrorsDocument",
     "GitHub full-repository invalid (allErrors)", "Document: GitHub full-repository invalid, all errors"),
    ("BM_NewPet_ValidFromBytesDocument", "NewPet valid from bytes",
     "Document: NewPet valid, from bytes (parse + validate)"),
    ("BM_GitHubFullRepository_ValidFromBytesDocument", "GitHub full-repository valid from bytes",
     "Document: GitHub full-repository valid, from bytes (parse + validate)"),
    ("BM_GitHubFullRepository_ParseOnlyDocument", "GitHub full-repository parse only",
     "Document: GitHub full-repository, parse only"),
]
def cell(v):
    return f"{statistics.median(v):,.1f} ({min(v):,.0f}-{max(v):,.0f})"
print(f"ns per validation, median of {sys.argv[2]} alternating rounds (range)\n")
print("| case | brrt::schema | ajv 8 | ajv / brrt | fastest / fastest |")
print("| --- | ---: | ---: | ---: | ---: |")
for b, a, what in cases:
    bv = rows.get(("brrt", b))
    if not bv:
        print(f"| {what} | missing | | | |")
        continue
    av = rows.get(("ajv", a)) if a else None
    if not av:
        print(f"| {what} | {cell(bv)} | | | |")
        continue
    ratio = statistics.median(av) / statistics.median(bv)
    print(f"| {what} | {cell(bv)} | {cell(av)} | {ratio:.2f} | {min(av) / min(bv):.2f} |")
EOF
