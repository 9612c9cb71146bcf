#!/usr/bin/python3
"""PyTorch side of the training benchmark (scripts/bench-train.sh runs both sides).

The same model and step as Primer's Trainer + AdamW (include/primer/train.h) in float32 on the CPU:
a llama-architecture decoder (RMSNorm, RoPE, GQA causal attention scaled by 1/sqrt(head_dim),
SwiGLU, tied embeddings), cross-entropy over every position, backward, clip_grad_norm_(1.0) and
torch.optim.AdamW (weight decay on 2-D tensors only). Random tokens; warm-up steps, then timed
steps. Prints one line per shape:

  torch shape A: 2048 tokens/step, 123.4 ms/step, 16594 tokens/s, 97.1 GFLOP/s, peak RSS 312.5 MiB

Run it as the issue asks, plus the OpenBLAS kernel family (Debian's OpenBLAS 0.3.21 does not
recognise these Xeons and falls back to its generic "Prescott" kernels, ~10x slower; Primer's
trainer sets the same variable, see src/train/gemm.cpp) — scripts/bench-train.sh does all this:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \\
      OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive \\
      /usr/bin/python3 scripts/bench-train-torch.py A
  /usr/bin/python3 scripts/bench-train-torch.py --blas-check   # which BLAS, 1024^3 matmul GFLOP/s

FLOPs per step (same formula as bench/train_step_bench.cpp): 6 * N * tokens +
12 * n_layer * n_head * head_dim * seq_len * tokens, N = the parameters of the matrix products
(q, k, v, o, gate, up, down of every layer and the output head; the embedding lookup is not a
product). The second term is PaLM's attention count (QK^T and AV, forward 1x + backward 2x, the
full seq_len x seq_len square; a causal implementation does about half of it).
"""
import argparse
import ctypes
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

# The shapes: d, layers, heads, KV heads, FFN, vocab, seq, batch. All tied, llama.
SHAPES = {
    "A": dict(n_embd=128, n_layer=4, n_head=4, n_head_kv=2, n_ff=384, n_vocab=4096, seq_len=256, batch=8),
    "B": dict(n_embd=288, n_layer=6, n_head=6, n_head_kv=6, n_ff=768, n_vocab=32000, seq_len=256, batch=8),
    "C": dict(n_embd=512, n_layer=8, n_head=8, n_head_kv=4, n_ff=1408, n_vocab=8192, seq_len=512, batch=4),
}


def step_flops(s):
    hd = s["n_embd"] // s["n_head"]
    d, q, kv = s["n_embd"], s["n_head"] * hd, s["n_head_kv"] * hd
    n_matmul = s["n_layer"] * (2 * d * q + 2 * d * kv + 3 * d * s["n_ff"]) + s["n_vocab"] * d
    tokens = s["batch"] * s["seq_len"]
    return 6 * n_matmul * tokens + 12 * s["n_layer"] * q * s["seq_len"] * tokens


class Llama(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        d, hd = s["n_embd"], s["n_embd"] // s["n_head"]
        self.s, self.hd = s, hd
        lin = lambda o, i: torch.nn.Parameter(torch.randn(o, i) * 0.02)  # noqa: E731
        self.embd = lin(s["n_vocab"], d)
        self.layers = torch.nn.ModuleList()
        for _ in range(s["n_layer"]):
            layer = torch.nn.Module()
            layer.attn_norm = torch.nn.Parameter(torch.ones(d))
            layer.wq = lin(s["n_head"] * hd, d)
            layer.wk = lin(s["n_head_kv"] * hd, d)
            layer.wv = lin(s["n_head_kv"] * hd, d)
            layer.wo = lin(d, s["n_head"] * hd)
            layer.ffn_norm = torch.nn.Parameter(torch.ones(d))
            layer.gate = lin(s["n_ff"], d)
            layer.up = lin(s["n_ff"], d)
            layer.down = lin(d, s["n_ff"])
            self.layers.append(layer)
        self.out_norm = torch.nn.Parameter(torch.ones(d))
        t = s["seq_len"]
        inv_freq = 10000.0 ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
        ang = torch.arange(t, dtype=torch.float32)[:, None] * inv_freq[None, :]
        self.register_buffer("cos", ang.cos())                         # [T, hd/2]
        self.register_buffer("sin", ang.sin())
        self.register_buffer("mask", torch.ones(t, t, dtype=torch.bool).triu(1))

    @staticmethod
    def rms_norm(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def rope(self, x):  # adjacent pairs, as the engine's llama
        x0, x1 = x[..., 0::2], x[..., 1::2]
        c, s = self.cos, self.sin
        return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)

    def forward(self, tokens, targets):
        b, t = tokens.shape
        nh, nkv, hd = self.s["n_head"], self.s["n_head_kv"], self.hd
        x = F.embedding(tokens, self.embd)
        for L in self.layers:
            h = self.rms_norm(x, L.attn_norm)
            q = F.linear(h, L.wq).view(b, t, nh, hd).transpose(1, 2)
            k = F.linear(h, L.wk).view(b, t, nkv, hd).transpose(1, 2)
            v = F.linear(h, L.wv).view(b, t, nkv, hd).transpose(1, 2)
            q, k = self.rope(q), self.rope(k)
            if nkv != nh:
                k = k.repeat_interleave(nh // nkv, dim=1)
                v = v.repeat_interleave(nh // nkv, dim=1)
            att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
            att = torch.softmax(att.masked_fill(self.mask, float("-inf")), dim=-1)
            a = (att @ v).transpose(1, 2).reshape(b, t, nh * hd)
            x = x + F.linear(a, L.wo)
            h = self.rms_norm(x, L.ffn_norm)
            x = x + F.linear(F.silu(F.linear(h, L.gate)) * F.linear(h, L.up), L.down)
        logits = F.linear(self.rms_norm(x, self.out_norm), self.embd)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def blas_library():
    """The BLAS shared objects this process mapped (torch resolves libblas.so.3 at load) and,
    for OpenBLAS, the kernel family it chose ("Prescott" is its slow generic fallback)."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1]})
    core = ""
    for lib in libs:
        if "libopenblas" in lib:
            fn = ctypes.CDLL(lib).openblas_get_corename
            fn.restype = ctypes.c_char_p
            core = " (OpenBLAS core %s)" % fn().decode()
    return (", ".join(libs) or "none") + core


def matmul_gflops(n=1024, reps=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


def bench(name, warmup, steps, foreach):
    s = SHAPES[name]
    torch.manual_seed(0)
    model = Llama(s)
    params = list(model.parameters())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() == 2], "weight_decay": 0.1},
                             {"params": [p for p in params if p.dim() != 2], "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8, foreach=foreach)
    tokens = torch.randint(0, s["n_vocab"], (s["batch"], s["seq_len"] + 1))
    x, y = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return float(loss)

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    sec = (time.perf_counter() - t0) / steps
    n_tok = s["batch"] * s["seq_len"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("torch shape %s: %d tokens/step, %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s, peak RSS %.1f MiB"
          % (name, n_tok, sec * 1e3, n_tok / sec, step_flops(s) / sec / 1e9, rss), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shapes", nargs="*", default=[], help="A, B and/or C")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--no-foreach", action="store_true", help="per-tensor AdamW loop instead of foreach")
    ap.add_argument("--blas-check", action="store_true", help="print the BLAS in use and a 1024^3 matmul's speed")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.blas_check or not args.shapes:
        print("torch %s, %d threads, BLAS: %s, 1024^3 matmul %.1f GFLOP/s, GLIBC_TUNABLES=%s"
              % (torch.__version__, torch.get_num_threads(), blas_library(), matmul_gflops(),
                 os.environ.get("GLIBC_TUNABLES", "")), flush=True)
    for name in args.shapes:
        if name not in SHAPES:
            sys.exit("bench-train-torch: unknown shape %r (A, B or C)" % name)
        bench(name, args.warmup, args.steps, not args.no_foreach)


if __name__ == "__main__":
    main()
