#!/usr/bin/env bash
# Training speed, Primer vs PyTorch, for the issue's shapes (BENCHMARKS.md):
#   A: d=128, 4 layers, 4 heads, 2 KV heads, FFN 384, vocab 4096, seq 256, batch 8
#   B: d=288, 6 layers, 6 heads, 6 KV heads, FFN 768, vocab 32000, seq 256, batch 8
#   C: d=512, 8 layers, 8 heads, 4 KV heads, FFN 1408, vocab 8192, seq 512, batch 4
# (llama architecture, tied embeddings). One training step = forward, cross-entropy, backward,
# clip_grad_norm(1.0), AdamW. Both sides run with 2 threads and GLIBC_TUNABLES=glibc.malloc.hugetlb=1;
# PyTorch (Debian python3-torch) uses OpenBLAS's OpenMP build (libopenblas0-openmp) through
# LD_LIBRARY_PATH, its best configuration on these machines (the script checks which BLAS it
# mapped), with OPENBLAS_CORETYPE set as Primer's trainer sets it (SkylakeX on AVX-512 CPUs:
# Debian's OpenBLAS 0.3.21 misdetects these Xeons as "Prescott", ~10x slower GEMMs). Each shape
# runs in its own process (peak RSS per shape).
#
# OpenMP wait policy: libgomp's threads spin after each parallel region by default. On a quiet
# machine that is usually the faster setting; on a loaded one (other jobs on the 2 cores) the
# spinning threads starve the working ones and a step gets 5-10x slower. The script therefore
# runs PyTorch with OMP_WAIT_POLICY=passive unless TORCH_OMP_WAIT_POLICY says otherwise, and
# with --torch-both runs it both ways and keeps the faster (PyTorch at its best).
#
# Usage:
#   cmake -S . -B build -G Ninja && cmake --build build --target bench_train_step
#   scripts/bench-train.sh                    # shapes A B C, build dir ./build
#   scripts/bench-train.sh --build build-x --steps 5 A
#   THREADS=4 scripts/bench-train.sh C
#   scripts/bench-train.sh --torch-both A     # PyTorch with both OpenMP wait policies, best kept
#   TORCH_OPENBLAS_CORETYPE=Prescott scripts/bench-train.sh A   # PyTorch with the kernels OpenBLAS
#                                             # auto-detects on these CPUs (Primer unchanged)
# Prints each side's line (ms/step, tokens/s, GFLOP/s, peak RSS) and then a Markdown table:
# tokens/s of both, Primer's speed-up, Primer's GFLOP/s and share of the measured f32 FMA peak
# (`primer bench`'s probe), peak RSS of both. The FLOP count is 6 * N_matmul * tokens +
# 12 * n_layer * n_head * head_dim * seq_len * tokens (see bench/train_step_bench.cpp).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build="$repo/build"
steps=""
warmup=3
torch_both=0
shapes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --torch-both) torch_both=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    A|B|C) shapes+=("$1"); shift ;;
    *) echo "bench-train.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ ${#shapes[@]} -gt 0 ]] || shapes=(A B C)
threads=${THREADS:-2}
bench="$build/bench/bench_train_step"
[[ -x "$bench" ]] || { echo "bench-train.sh: $bench not built (cmake --build $build --target bench_train_step)" >&2; exit 1; }
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
[[ -e "$openblas/libblas.so.3" ]] || { echo "bench-train.sh: $openblas missing (apt-get install libopenblas0-openmp)" >&2; exit 1; }

export GLIBC_TUNABLES=glibc.malloc.hugetlb=1
policy=${TORCH_OMP_WAIT_POLICY:-passive}
# The OpenBLAS kernels Primer's trainer names for this CPU (src/train/gemm.cpp core_type_for_cpu):
# Debian's OpenBLAS 0.3.21 does not recognise these Xeons and would use its generic ones.
flags=$(grep -m1 '^flags' /proc/cpuinfo)
if [[ -n ${TORCH_OPENBLAS_CORETYPE:-} ]]; then core=$TORCH_OPENBLAS_CORETYPE  # PyTorch only (e.g. Prescott: its auto-detection here)
elif [[ -n ${OPENBLAS_CORETYPE:-} ]]; then core=$OPENBLAS_CORETYPE
elif [[ $flags == *avx512f* && $flags == *avx512bw* && $flags == *avx512dq* && $flags == *avx512vl* ]]; then core=SkylakeX
elif [[ $flags == *avx2* && $flags == *" fma"* ]]; then core=Haswell
else core=""; fi
torch_env=(env LD_LIBRARY_PATH="$openblas" OMP_NUM_THREADS="$threads" OMP_WAIT_POLICY="$policy")
[[ -z $core ]] || torch_env+=(OPENBLAS_CORETYPE="$core")
check=$("${torch_env[@]}" /usr/bin/python3 "$repo/scripts/bench-train-torch.py" --threads "$threads" --blas-check)
echo "$check" >&2
[[ $check == *openblas-openmp/libopenblas* ]] || { echo "bench-train.sh: torch did not load OpenBLAS (openmp)" >&2; exit 1; }

# Fewer timed steps for the big shapes (a step takes seconds there).
steps_for() { if [[ -n "$steps" ]]; then echo "$steps"; elif [[ $1 == A ]]; then echo 10; else echo 5; fi; }
field() { sed -n "s|.*[ ,:] \([0-9.]*\) $1[ ,].*|\1|p" <<<"$2" | head -1; }

rows=()
for s in "${shapes[@]}"; do
  n=$(steps_for "$s")
  p=$("$bench" --threads "$threads" --warmup "$warmup" --steps "$n" "$s")
  echo "$p" >&2
  t=$("${torch_env[@]}" /usr/bin/python3 "$repo/scripts/bench-train-torch.py" --threads "$threads" \
        --warmup "$warmup" --steps "$n" "$s")
  echo "$t (OMP_WAIT_POLICY=$policy)" >&2
  if [[ $torch_both == 1 ]]; then
    other=$([[ ${policy,,} == active ]] && echo passive || echo active)
    t2=$("${torch_env[@]}" OMP_WAIT_POLICY="$other" /usr/bin/python3 "$repo/scripts/bench-train-torch.py" \
           --threads "$threads" --warmup "$warmup" --steps "$n" "$s")
    echo "$t2 (OMP_WAIT_POLICY=$other)" >&2
    if awk -v a="$(field "tokens/s" "$t2")" -v b="$(field "tokens/s" "$t")" 'BEGIN { exit !(a > b) }'; then t=$t2; fi
  fi
  p_tps=$(field "tokens/s" "$p"); t_tps=$(field "tokens/s" "$t")
  p_gf=$(field "GFLOP/s" "$p"); p_pct=$(sed -n 's/.* = \([0-9.]*\)% of.*/\1/p' <<<"$p")
  p_rss=$(sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p' <<<"$p"); t_rss=$(sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p' <<<"$t")
  t_gf=$(field "GFLOP/s" "$t")
  speedup=$(awk -v a="$p_tps" -v b="$t_tps" 'BEGIN { printf "%.2fx", a / b }')
  rows+=("| $s | $p_tps | $t_tps | $speedup | $p_gf (${p_pct:-?}% of peak) | $t_gf | $p_rss MiB | $t_rss MiB |")
done

echo
echo "Training step, $threads threads ($(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))"
echo
echo "| shape | Primer tokens/s | PyTorch tokens/s | speed-up | Primer GFLOP/s | PyTorch GFLOP/s | Primer peak RSS | PyTorch peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
