#!/usr/bin/env bash
# Builds the training corpus of Primer's bundled demo model from freely licensed text in Debian
# packages (see models/README.md and recipes/demo-model.toml).
#
#   scripts/fetch-corpus.sh OUT_DIR
#
# Downloads the packages with `apt-get download` (no install; `apt-get update` first when the
# package lists lack them), unpacks them with `dpkg-deb -x` under OUT_DIR/.cache, and writes
#   OUT_DIR/prose/*.txt        plain UTF-8 prose, paragraphs separated by one blank line
#   OUT_DIR/chat/wordnet.jsonl {"messages":[{"role":"user",...},{"role":"assistant",...}]} rows
#   OUT_DIR/tokenizer/wordnet-chat.txt  the chat set as plain text, only for `primer tokenizer
#                              train` (which reads raw text; not training data beside the JSONL)
#   OUT_DIR/LICENSES.md        source, version, licence, bytes and SHA-256 of every file
#   OUT_DIR/licenses/*.copyright  the packages' Debian copyright files
# Deterministic and idempotent: the package versions are pinned (a missing pinned version
# falls back to the archive's current one, with a warning), downloaded .debs are reused, and
# the outputs are rewritten from scratch on every run. Python: stdlib only.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
corpus="$here/corpus"
py=/usr/bin/python3
[[ -x $py ]] || py=python3

# package=version (Debian bookworm main)
packages=(
  "r-cran-janeaustenr=1.0.0-1"
  "wordnet-base=1:3.0-37"
  "sword-text-web=426.0-1"
  "fortunes-min=1:1.99.1-7.3"
)

mkdir -p "$out/.cache/debs"
out=$(cd "$out" && pwd)
debs="$out/.cache/debs"
root="$out/.cache/root"
updated=0

apt_download() {  # SPEC: apt-get download into $debs, without apt's unsandboxed-root warning
  (cd "$debs" && apt-get download -q "$1") 2> >(grep -v 'Download is performed unsandboxed' >&2)
}

download() {  # PACKAGE VERSION
  local pkg=$1 ver=$2
  apt_download "$pkg=$ver" && return 0
  if [[ $updated -eq 0 ]]; then
    echo "fetch-corpus: apt-get update (package lists lack $pkg=$ver)" >&2
    apt-get update -q >&2 || echo "fetch-corpus: warning: apt-get update failed" >&2
    updated=1
    apt_download "$pkg=$ver" && return 0
  fi
  echo "fetch-corpus: warning: $pkg $ver is not available; taking the archive's current version" >&2
  apt_download "$pkg"
}

versions=()
rm -rf "$root"
for spec in "${packages[@]}"; do
  pkg=${spec%%=*}
  ver=${spec#*=}
  shopt -s nullglob
  found=("$debs/${pkg}"_*.deb)
  shopt -u nullglob
  if [[ ${#found[@]} -eq 0 ]]; then
    download "$pkg" "$ver"
    shopt -s nullglob
    found=("$debs/${pkg}"_*.deb)
    shopt -u nullglob
  fi
  if [[ ${#found[@]} -ne 1 ]]; then
    echo "fetch-corpus: expected one $pkg .deb in $debs, found ${#found[@]}" >&2
    exit 1
  fi
  deb=${found[0]}
  mkdir -p "$root/$pkg"
  dpkg-deb -x "$deb" "$root/$pkg"
  versions+=("$pkg=$(dpkg-deb -f "$deb" Version)")
done

rm -rf "$out/prose" "$out/chat" "$out/tokenizer" "$out/licenses"
mkdir -p "$out/prose" "$out/chat" "$out/tokenizer" "$out/licenses"
for spec in "${packages[@]}"; do
  pkg=${spec%%=*}
  cp "$root/$pkg/usr/share/doc/$pkg/copyright" "$out/licenses/$pkg.copyright"
done

"$py" "$corpus/austen.py" "$root/r-cran-janeaustenr/usr/lib/R/site-library/janeaustenr/data" "$out/prose"
"$py" "$corpus/sword_text.py" "$root/sword-text-web/usr/share/sword/modules/texts/ztext/engWEB2015eb" \
  "$out/prose/web-bible.txt"
fortunes="$root/fortunes-min/usr/share/games/fortunes"
"$py" "$corpus/fortunes.py" "$out/prose/fortunes.txt" "$fortunes/fortunes" "$fortunes/literature" \
  "$fortunes/riddles"
"$py" "$corpus/wordnet_chat.py" "$root/wordnet-base/usr/share/wordnet" "$out/chat/wordnet.jsonl" \
  --text "$out/tokenizer/wordnet-chat.txt"
"$py" "$corpus/licenses.py" "$out" "${versions[@]}"

echo "fetch-corpus: wrote $out"
(cd "$out" && wc -c prose/*.txt chat/*.jsonl && wc -c tokenizer/*.txt)
