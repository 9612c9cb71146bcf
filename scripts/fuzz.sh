#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/<name>_fuzz.cpp -> fuzz_<name>) with clang, ASan and UBSan,
# then runs each for SECONDS (default 30) starting from a scratch copy of its seed corpus
# fuzz/corpus/<name>/ (the committed seeds are never modified). Exits non-zero when any target
# crashes, leaks, times out on an input or fails to build; crash inputs are kept in
# fuzz/corpus-run/<name>-artifacts/ (git-ignored) and the last lines of the log are printed.
#
#   scripts/fuzz.sh                 all targets, 30 s each (or $FUZZ_SECONDS)
#   scripts/fuzz.sh 300             all targets, 5 min each
#   scripts/fuzz.sh 60 tokenize gguf
#
# Environment: FUZZ_SECONDS (default seconds when no argument is given), PRIMER_FUZZ_BUILD
# (build dir, default build-fuzz), JOBS (ninja -j, default 2), FUZZ_ARGS (extra libFuzzer
# flags, e.g. "-jobs=2 -workers=2").
# Reproduce a crash: build-fuzz/fuzz/fuzz_<name> fuzz/corpus-run/<name>-artifacts/crash-<sha>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${FUZZ_SECONDS:-30}}"
shift || true
build="${PRIMER_FUZZ_BUILD:-build-fuzz}"
jobs="${JOBS:-2}"

if (($# > 0)); then
  names=("$@")
else
  names=()
  for src in fuzz/*_fuzz.cpp; do
    base="$(basename "$src" .cpp)"
    names+=("${base%_fuzz}")
  done
fi
if ((${#names[@]} == 0)); then
  echo "[fuzz] no fuzz/*_fuzz.cpp targets" >&2
  exit 1
fi

echo "[fuzz] configuring $build (clang, PRIMER_FUZZ=ON)"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPRIMER_FUZZ=ON -DPRIMER_BUILD_TESTS=OFF -DPRIMER_BUILD_BENCH=OFF >/dev/null
failed=()
for n in "${names[@]}"; do
  # Built one by one so that a target that does not compile fails alone.
  echo "[fuzz] building fuzz_$n"
  if ! ninja -C "$build" -j"$jobs" "fuzz_$n" >"$build/fuzz_$n.build.log" 2>&1; then
    echo "[fuzz] $n: BUILD FAILED; last lines of $build/fuzz_$n.build.log:"
    tail -n 20 "$build/fuzz_$n.build.log" | sed 's/^/    /'
    failed+=("$n(build)")
    continue
  fi
  scratch="fuzz/corpus-run/$n"
  artifacts="fuzz/corpus-run/$n-artifacts"
  rm -rf "$scratch"
  mkdir -p "$scratch" "$artifacts"
  if [ -d "fuzz/corpus/$n" ]; then
    cp -r "fuzz/corpus/$n/." "$scratch/"
  else
    echo "[fuzz] warning: no seed corpus fuzz/corpus/$n/"
  fi
  log="fuzz/corpus-run/$n.log"
  echo "[fuzz] $n: ${seconds}s from $(find "$scratch" -type f | wc -l) seeds (log: $log)"
  # -timeout: one input taking longer than 10 s is a hang; -rss_limit_mb: runaway allocations.
  # shellcheck disable=SC2086
  if "$build/fuzz/fuzz_$n" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$scratch" >"$log" 2>&1; then
    echo "[fuzz] $n: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs)"
  else
    echo "[fuzz] $n: FAILED; last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /'
    ls "$artifacts" | sed 's/^/    artifact: /'
    failed+=("$n")
  fi
done

if ((${#failed[@]})); then
  echo "[fuzz] failures: ${failed[*]}"
  exit 1
fi
echo "[fuzz] all ${#names[@]} targets ran ${seconds}s without a failure"
