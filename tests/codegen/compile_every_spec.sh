#!/bin/bash
# Generated code for every spec in ../shared/specs compiles: `brrtrouter generate` for each
# spec the loader accepts, then the generated source (with its header) through each compiler
# given (GCC and clang: they differ on what must be complete where) with the project's warnings
# as errors (-fsyntax-only: the pet store and edges tests link and run theirs). Specs the loader
# refuses are listed and skipped (brrtrouter check says why).
#
# usage: compile_every_spec.sh BRRTROUTER INCLUDE_DIR SHARED_DIR WORK_DIR CXX [CXX...]
set -u
if [ "${1:-}" = "--compile" ]; then  # one generated directory, one compiler (run in parallel)
  include=$2 dir=$3 cxx=$4
  log="$dir/$(basename "$cxx").log"
  if "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -DBOOST_ASIO_NO_DEPRECATED \
      -DBOOST_ASIO_HAS_CO_AWAIT -I"$include" -I"$dir" "$dir/api.cpp" >"$log" 2>&1; then
    echo "compiled  $(cat "$dir/spec") ($(basename "$cxx"))"
  else
    echo "FAILED    $(cat "$dir/spec") ($(basename "$cxx"))"
    head -20 "$log"
    exit 1
  fi
  exit 0
fi

brrtrouter=$1 include=$2 shared=$3 work=$4
shift 4
compilers=("$@")
if [ ! -d "$shared/specs" ]; then
  echo "skipped: $shared/specs is absent (the shared corpus is not next to the repository)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
n=0 refused=0
while IFS= read -r spec; do
  n=$((n + 1))
  dir="$work/$n"
  mkdir -p "$dir"
  "$brrtrouter" generate "$spec" --out "$dir" --name api --namespace "spec$n" 2>"$dir/generate.log"
  case $? in
    0) echo "$spec" >"$dir/spec" ;;
    1) refused=$((refused + 1)); echo "refused   $spec (the loader's errors: brrtrouter check)" ;;
    *) echo "FAILED    $spec: generate exited with bad input"; cat "$dir/generate.log"; exit 1 ;;
  esac
done < <(find "$shared/specs" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)

generated=$(find "$work" -name spec | wc -l)
echo "generated code for $generated of $n specs ($refused refused by the loader)"
[ "$generated" -gt 0 ] || { echo "no spec generated"; exit 1; }
# Largest first (the GitHub API's takes minutes), each compiler a job of its own.
for dir in $(find "$work" -name api.cpp -printf '%s %h\n' | sort -rn | cut -d' ' -f2); do
  [ -f "$dir/spec" ] || continue
  for cxx in "${compilers[@]}"; do echo "$dir $cxx"; done
done | xargs -P "$(nproc)" -L1 "$0" --compile "$include" || exit 1
echo "all $generated compiled with: ${compilers[*]}"
