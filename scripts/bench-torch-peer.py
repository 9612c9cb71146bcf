#!/usr/bin/python3
"""PyTorch peer for `primer bench`: the same qwen2/llama/qwen3 model, the same tests.

Loads a GGUF written by `primer gen-model` (F32, F16 or BF16 tensors), builds the model in
plain torch ops (F.linear, RMSNorm by hand, rotate-half rope, manual GQA attention over a
preallocated KV-cache tensor, SwiGLU), and measures like llama-bench / `primer bench`:

  pp<P>  one forward over a P-token prompt into an empty cache; logits of the last token only
         (as `primer bench` and llama-bench compute them)
  tg<N>  N single-token forward steps from an empty cache, each with its logits
  median (and sample stddev) of R repetitions after one warm-up run, in tokens/s
  (--warmup short: a 16-token prompt / 4 steps instead, for configurations too slow to run twice).

  /usr/bin/python3 scripts/bench-torch-peer.py -m MODEL.gguf [-p 512] [-n 128] [-t 2] [-r 3]
      [--dtype f32,bf16] [--linear aten|mkldnn] [--kv-dtype same|f32] [--json]
  /usr/bin/python3 scripts/bench-torch-peer.py --self-test --primer build/src/cli/primer

--dtype: compute/weight type of each variant measured (weights converted once at load time).
--linear: `aten` is plain F.linear (float32 matmuls go to the BLAS torch was built against —
  on Debian's python3-torch that is whatever libblas.so.3 points to, the netlib reference BLAS
  unless OpenBLAS is installed; bfloat16 matmuls go to oneDNN); `mkldnn` keeps every weight
  matrix in oneDNN's layout and calls torch._C._nn.mkldnn_linear (what torch.utils.mkldnn does),
  the fastest float32 GEMM this torch has without an optimized BLAS.
--self-test: makes a tiny qwen2 F32 model with `primer gen-model`, and checks this script's
  forward (float32 and bfloat16, prompt then cached single-token steps) against the float64
  reference forward of scripts/gen-torch-goldens.py.

Needs Debian's python3-torch and python3-numpy: use /usr/bin/python3, not a pyenv python.
"""
import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_min  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def read_gguf(path):
    """(metadata, {name: float32 torch tensor}) via scripts/gguf_min.py; tokenizer arrays skipped."""
    kv, arrays, _ = gguf_min.read_gguf(path, skip_tokenizer_arrays=True)
    return kv, {name: torch.from_numpy(a) for name, a in arrays.items()}


# --- the model ------------------------------------------------------------------------------

def _unpermute(w, n_head):
    """Inverse of convert_hf_to_gguf.py's llama q/k permute: GGUF rows -> rotate-half rows."""
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


class Linear:
    """y = x W^T (+ b), W kept dense (F.linear) or in oneDNN's layout (mkldnn_linear)."""

    def __init__(self, w, b, mode):
        self.mode, self.b = mode, b
        self.w = w.to_mkldnn() if mode == "mkldnn" else w.contiguous()
        if mode == "mkldnn" and b is not None:
            self.b = b.to_mkldnn()

    def __call__(self, x):
        if self.mode == "mkldnn":
            return torch._C._nn.mkldnn_linear(x.contiguous().to_mkldnn(), self.w, self.b).to_dense()
        return F.linear(x, self.w, self.b)


class Model:
    def __init__(self, kv, t, dtype, linear, n_ctx, kv_dtype):
        arch = kv["general.architecture"]
        g = lambda k, d=None: kv.get("%s.%s" % (arch, k), d)  # noqa: E731
        self.arch, self.dtype = arch, dtype
        self.n_layer = g("block_count")
        self.n_head = g("attention.head_count")
        self.n_head_kv = g("attention.head_count_kv", self.n_head)
        embd = t["token_embd.weight"]                        # [n_vocab, n_embd]
        self.n_vocab, self.n_embd = embd.shape
        self.head_dim = g("attention.key_length", self.n_embd // self.n_head)
        self.eps = g("attention.layer_norm_rms_epsilon")
        if g("rope.dimension_count", self.head_dim) != self.head_dim:
            raise ValueError("partial rotary dimensions are not supported")
        base = g("rope.freq_base", 10000.0)
        hd, nh, nkv = self.head_dim, self.n_head, self.n_head_kv
        inv_freq = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        if "rope_freqs.weight" in t:                         # llama3 scaling: stored divisors
            inv_freq = inv_freq / t["rope_freqs.weight"].double()
        if g("rope.scaling.type") == "linear":
            inv_freq = inv_freq / g("rope.scaling.factor")
        freqs = torch.outer(torch.arange(n_ctx, dtype=torch.float64), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)              # [n_ctx, hd]
        self.cos, self.sin = emb.cos().to(dtype), emb.sin().to(dtype)

        cv = lambda x: x.to(dtype)                            # noqa: E731
        self.embd = cv(embd)                                  # the lookup table
        out = t.get("output.weight", embd)                    # tied: lm_head = embd
        self.out = Linear(cv(out), None, linear)
        self.out_norm = cv(t["output_norm.weight"])
        self.layers = []
        for il in range(self.n_layer):
            p = "blk.%d." % il
            wq, wk = t[p + "attn_q.weight"], t[p + "attn_k.weight"]
            if arch == "llama":
                wq, wk = _unpermute(wq, nh), _unpermute(wk, nkv)
            bias = None
            if p + "attn_q.bias" in t:
                bias = cv(torch.cat([t[p + "attn_q.bias"], t[p + "attn_k.bias"], t[p + "attn_v.bias"]]))
            layer = dict(
                attn_norm=cv(t[p + "attn_norm.weight"]),
                qkv=Linear(cv(torch.cat([wq, wk, t[p + "attn_v.weight"]])), bias, linear),
                wo=Linear(cv(t[p + "attn_output.weight"]), None, linear),
                ffn_norm=cv(t[p + "ffn_norm.weight"]),
                gate_up=Linear(cv(torch.cat([t[p + "ffn_gate.weight"], t[p + "ffn_up.weight"]])), None, linear),
                down=Linear(cv(t[p + "ffn_down.weight"]), None, linear),
                q_norm=cv(t[p + "attn_q_norm.weight"]) if p + "attn_q_norm.weight" in t else None,
                k_norm=cv(t[p + "attn_k_norm.weight"]) if p + "attn_k_norm.weight" in t else None,
            )
            self.layers.append(layer)
        self.n_ff = t["blk.0.ffn_down.weight"].shape[1]
        # KV cache: [n_layer][n_head_kv, n_ctx, head_dim] for keys and values.
        self.kv_dtype = dtype if kv_dtype == "same" else torch.float32
        self.k_cache = torch.zeros(self.n_layer, nkv, n_ctx, hd, dtype=self.kv_dtype)
        self.v_cache = torch.zeros(self.n_layer, nkv, n_ctx, hd, dtype=self.kv_dtype)
        self.n_ctx = n_ctx

    def _norm(self, x, w):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return w * xf.to(self.dtype)

    @staticmethod
    def _rope(x, cos, sin):                                  # x [.., T, hd], cos/sin [T, hd]
        half = x.shape[-1] // 2
        rot = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rot * sin

    def forward(self, tokens, pos, all_logits=False):
        """tokens: 1-D LongTensor at positions pos..pos+T-1; returns logits [T or 1, n_vocab]."""
        T = tokens.shape[0]
        nh, nkv, hd = self.n_head, self.n_head_kv, self.head_dim
        grp, L = nh // nkv, pos + T
        if L > self.n_ctx:
            raise ValueError("forward: %d positions exceed the cache's %d" % (L, self.n_ctx))
        cos, sin = self.cos[pos:L], self.sin[pos:L]
        mask = None
        if T > 1:                                            # query i sees keys <= pos + i
            mask = torch.full((T, L), float("-inf"), dtype=torch.float32).triu(pos + 1)
        scale = 1.0 / math.sqrt(hd)
        x = self.embd[tokens]                                # [T, n_embd]
        for il, ly in enumerate(self.layers):
            h = self._norm(x, ly["attn_norm"])
            qkv = ly["qkv"](h)                               # [T, (nh + 2 nkv) hd]
            q = qkv[:, :nh * hd].view(T, nkv, grp, hd).permute(1, 2, 0, 3)   # [nkv, grp, T, hd]
            k = qkv[:, nh * hd:(nh + nkv) * hd].view(T, nkv, hd).transpose(0, 1)  # [nkv, T, hd]
            v = qkv[:, (nh + nkv) * hd:].view(T, nkv, hd).transpose(0, 1)
            if ly["q_norm"] is not None:
                q, k = self._norm(q, ly["q_norm"]), self._norm(k, ly["k_norm"])
            q = self._rope(q, cos, sin).reshape(nkv, grp * T, hd)
            kc, vc = self.k_cache[il], self.v_cache[il]
            kc[:, pos:L] = self._rope(k, cos, sin)
            vc[:, pos:L] = v
            # Prompt: attention matmuls in the compute dtype (bf16: oneDNN). Single-token steps: in
            # float32 (tiny; a bf16 bmm would build a new oneDNN primitive for every new length).
            adt = self.dtype if T > 1 else torch.float32
            keys, vals = kc[:, :L].to(adt), vc[:, :L].to(adt)
            s = torch.bmm(q.to(adt), keys.transpose(1, 2)).float() * scale  # [nkv, grp T, L]
            if mask is not None:
                s = (s.view(nkv, grp, T, L) + mask).view(nkv, grp * T, L)
            a = torch.bmm(torch.softmax(s, dim=-1).to(adt), vals)           # [nkv, grp T, hd]
            a = a.to(self.dtype).view(nkv, grp, T, hd).permute(2, 0, 1, 3).reshape(T, nh * hd)
            x = x + ly["wo"](a)
            h = self._norm(x, ly["ffn_norm"])
            gu = ly["gate_up"](h)                            # [T, 2 n_ff]
            x = x + ly["down"](F.silu(gu[:, :self.n_ff]) * gu[:, self.n_ff:])
        if not all_logits:
            x = x[-1:]
        return self.out(self._norm(x, self.out_norm)).float()


# --- measurement ----------------------------------------------------------------------------

def random_tokens(n, n_vocab):
    """The token stream of `primer bench` (src/cli/bench_cmd.cpp random_tokens)."""
    out, x = [], 0x2545F4914F6CDD1D
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append((x >> 33) % n_vocab)
    return torch.tensor(out, dtype=torch.long)


def measure(fn, n_tokens, reps, warmup):
    warmup()                                                 # pages in weights, oneDNN primitives
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(n_tokens / (time.perf_counter() - t0))
    return dict(n_tokens=n_tokens, reps=reps, median_tok_s=statistics.median(samples),
                stddev_tok_s=statistics.stdev(samples) if len(samples) > 1 else 0.0,
                samples_tok_s=samples)


DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


def bench(args):
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    kv, tensors = read_gguf(args.model)
    load_s = time.perf_counter() - t0
    n_ctx = max(args.n_prompt, args.n_gen, 1)
    results = []
    for name in args.dtype.split(","):
        t0 = time.perf_counter()
        model = Model(kv, tensors, DTYPES[name], args.linear, n_ctx, args.kv_dtype)
        build_s = time.perf_counter() - t0
        res = dict(dtype=name, linear=args.linear, warmup=args.warmup,
                   kv_dtype=str(model.kv_dtype).replace("torch.", ""),
                   weight_bytes=sum(t.numel() for t in tensors.values()) * model.embd.element_size(),
                   build_seconds=build_s)
        prompt = random_tokens(args.n_prompt, model.n_vocab)
        gen = random_tokens(args.n_gen, model.n_vocab)
        with torch.inference_mode():
            if args.n_prompt > 0:
                n_warm = args.n_prompt if args.warmup == "full" else min(args.n_prompt, 16)
                res["pp"] = measure(lambda: model.forward(prompt, 0), args.n_prompt, args.reps,
                                    lambda: model.forward(prompt[:n_warm], 0))
                if not args.json:
                    report_line(name, args, "pp%d" % args.n_prompt, res["pp"])

            def run_tg(n):
                for i in range(n):
                    model.forward(gen[i:i + 1], i)
            if args.n_gen > 0:
                n_warm = args.n_gen if args.warmup == "full" else min(args.n_gen, 4)
                res["tg"] = measure(lambda: run_tg(args.n_gen), args.n_gen, args.reps, lambda: run_tg(n_warm))
                if not args.json:
                    report_line(name, args, "tg%d" % args.n_gen, res["tg"])
        results.append(res)
        model = None                                         # free it before the next variant
    out = dict(model=args.model, arch=kv["general.architecture"], threads=torch.get_num_threads(),
               torch=torch.__version__, numpy=np.__version__, python=platform.python_version(),
               blas=blas_library(), gguf_read_seconds=load_s, results=results)
    if args.json:
        print(json.dumps(out, indent=2))
    return out


def report_line(name, args, test, r):
    print("| torch %-4s %-6s | %-6s | %10.2f | %8.2f | %d |" % (
        name, args.linear, test, r["median_tok_s"], r["stddev_tok_s"], r["reps"]), flush=True)


def blas_library():
    """The BLAS shared object this process mapped (Debian's torch uses libblas.so.3's target)."""
    try:
        for line in open("/proc/self/maps"):
            if "blas" in line.lower():
                return os.path.realpath(line.split()[-1])
    except OSError:
        pass
    return "unknown"


# --- self-test against the float64 reference of scripts/gen-torch-goldens.py ---------------

def self_test(args):
    spec = importlib.util.spec_from_file_location("goldens", os.path.join(REPO, "scripts", "gen-torch-goldens.py"))
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    torch.set_num_threads(args.threads)
    worst = {}
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ("qwen2", "llama", "qwen3"):
            path = os.path.join(tmp, arch + ".gguf")
            subprocess.run([args.primer, "gen-model", "--arch", arch, "--n-embd", "64", "--n-layer", "2",
                            "--n-head", "4", "--n-head-kv", "2", "--n-vocab", "300", "--init-std", "0.1",
                            "--type", "F32", "--seed", "7", "-o", path], check=True, capture_output=True)
            kv, t = read_gguf(path)
            kv64, t64, _ = ref.read_gguf(path)
            tokens = [(i * 37 + 11) % 300 for i in range(10)]
            want = ref.forward(kv64, t64, tokens)            # [10, n_vocab] float64
            for name, tol in (("f32", 1e-4), ("bf16", 0.15)):
                for linear in ("aten", "mkldnn"):
                    m = Model(kv, t, DTYPES[name], linear, 16, "same")
                    with torch.inference_mode():
                        got = [m.forward(torch.tensor(tokens[:6]), 0, all_logits=True)]
                        for i in range(6, 10):               # cached single-token steps
                            got.append(m.forward(torch.tensor(tokens[i:i + 1]), i))
                    got = torch.cat(got).double()
                    err = ((got - want).abs().max() / want.abs().max()).item()
                    worst[(arch, name, linear)] = err
                    ok = err <= tol
                    print("%-6s %-4s %-6s max|diff|/max|ref| %.2e (tol %.0e) %s" % (
                        arch, name, linear, err, tol, "ok" if ok else "FAIL"))
                    if not ok:
                        sys.exit(1)
    print("self-test passed")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", help="GGUF model file (F32/F16/BF16 tensors)")
    ap.add_argument("-p", "--n-prompt", type=int, default=512)
    ap.add_argument("-n", "--n-gen", type=int, default=128)
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-r", "--reps", type=int, default=3)
    ap.add_argument("--dtype", default="f32,bf16", help="comma-separated: f32, bf16")
    ap.add_argument("--linear", default="aten", choices=("aten", "mkldnn"))
    ap.add_argument("--kv-dtype", default="same", choices=("same", "f32"),
                    help="KV cache element type: the compute dtype, or float32")
    ap.add_argument("--warmup", default="full", choices=("full", "short"),
                    help="warm-up before the timed runs: one whole test (llama-bench), or a short one "
                         "(16 prompt tokens / 4 steps: pages in the weights; for slow configurations)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--self-test", action="store_true", help="check the forward pass, then exit")
    ap.add_argument("--primer", default=os.path.join(REPO, "build", "src", "cli", "primer"))
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    if not args.model:
        ap.error("-m MODEL is required")
    for d in args.dtype.split(","):
        if d not in DTYPES:
            ap.error("--dtype %s: use f32 or bf16" % d)
    if args.n_prompt < 0 or args.n_gen < 0 or args.reps < 1:
        ap.error("-p/-n must be >= 0 and -r >= 1")
    if not args.json:
        print("torch %s, %d threads, linear=%s, model %s" % (torch.__version__, args.threads, args.linear, args.model))
        print("| peer                  | test   |      tok/s |   stddev | reps |")
        print("|-----------------------|--------|------------|----------|------|")
    bench(args)


if __name__ == "__main__":
    main()
