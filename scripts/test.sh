#!/usr/bin/env bash
# The README's test command: installs what a fresh machine lacks, builds Release and runs every
# test with ctest. Extra arguments go to ctest (e.g. -R tokenizer).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
