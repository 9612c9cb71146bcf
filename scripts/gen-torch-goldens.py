#!/usr/bin/python3
"""PyTorch reference logits for tiny random models made by `primer gen-model`.

For each golden below: runs `primer gen-model` (F32 weights), reads the GGUF with the minimal
reader scripts/gguf_min.py, builds the model in torch float64 following Hugging
Face's modeling_llama / modeling_qwen2 / modeling_qwen3 (rotate_half rope; the llama GGUF's q/k
rows are un-permuted first, undoing llama.cpp's convert_hf_to_gguf.py permute), runs a fixed
token list and writes tests/golden/model/<name>.json:

  gen_model     the GenModelOptions fields the file was made with (the test regenerates it)
  file_fnv1a64  FNV-1a 64 of the generated file's bytes (the test checks it: bit-identical)
  tokens        the input token ids, positions 0..n-1, one sequence
  logits        [n_tokens][n_vocab] float64 logits rounded to 10 significant digits

  /usr/bin/python3 scripts/gen-torch-goldens.py --primer build/primer          # regenerate
  /usr/bin/python3 scripts/gen-torch-goldens.py --primer build/primer --check  # compare only

Needs Debian's python3-torch and python3-numpy (apt-get install -y python3-torch); use
/usr/bin/python3, not a pyenv python without torch.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_min  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "tests", "golden", "model")

# name -> GenModelOptions fields (names as in include/primer/model_factory.h). Small vocab and
# few tokens keep each golden well under 200 KB.
GOLDENS = {
    "llama_llama3_rope": dict(arch="llama", n_embd=64, n_layer=2, n_head=4, n_head_kv=2,
                              n_vocab=320, n_ctx_train=8192, rope_scaling="llama3",
                              tied_output=False, seed=1234, init_std=0.1),
    "qwen2_tied": dict(arch="qwen2", n_embd=64, n_layer=2, n_head=4, n_head_kv=2,
                       n_vocab=320, n_ctx_train=4096, tied_output=True, seed=2345, init_std=0.1),
    "qwen3_untied": dict(arch="qwen3", n_embd=64, n_layer=2, n_head=4, n_head_kv=2, head_dim=32,
                         n_vocab=320, n_ctx_train=4096, tied_output=False, seed=3456,
                         init_std=0.1),
}
N_TOKENS = 12


def tokens_for(n_vocab):
    return [(i * 37 + 11) % n_vocab for i in range(N_TOKENS)]


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def gen_model_args(opts, out_path):
    """The `primer gen-model` command line for GenModelOptions fields."""
    args = ["gen-model", "--arch", opts["arch"], "-o", out_path, "--type", "F32"]
    for key in ("n_embd", "n_layer", "n_head", "n_head_kv", "head_dim", "n_ff", "n_vocab",
                "n_ctx_train", "seed"):
        if key in opts:
            args += ["--" + key.replace("_", "-"), str(opts[key])]
    if "init_std" in opts:
        args += ["--init-std", repr(opts["init_std"])]
    if "rope_theta" in opts:
        args += ["--rope-theta", repr(opts["rope_theta"])]
    if opts.get("rope_scaling"):
        args += ["--rope-scaling", opts["rope_scaling"]]
    if not opts.get("tied_output", True):
        args += ["--untied"]
    return args


def read_gguf(path):
    """(metadata, {name: float64 torch tensor}, file bytes) of an F32 model (scripts/gguf_min.py)."""
    kv, arrays, data = gguf_min.read_gguf(path)
    tensors = {name: torch.from_numpy(a.astype(np.float64)) for name, a in arrays.items()}
    return kv, tensors, bytes(data)


# --- the model, Hugging Face semantics in float64 -------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def unpermute(w, n_head):
    """Inverse of convert_hf_to_gguf.py's LlamaModel.permute: GGUF q/k rows -> HF rows."""
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_inv_freq(inv_freq, factor, low_freq_factor, high_freq_factor, original_max_pos):
    """transformers' _compute_llama3_parameters."""
    low_freq_wavelen = original_max_pos / low_freq_factor
    high_freq_wavelen = original_max_pos / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (original_max_pos / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * inv_freq_llama / factor + smooth * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_freq_llama)


def forward(kv, t, tokens):
    arch = kv["general.architecture"]
    g = lambda k, d=None: kv.get("%s.%s" % (arch, k), d)  # noqa: E731
    n_layer = g("block_count")
    n_head = g("attention.head_count")
    n_head_kv = g("attention.head_count_kv", n_head)
    embd = t["token_embd.weight"]                      # [n_vocab, n_embd]
    n_embd = embd.shape[1]
    head_dim = g("attention.key_length", n_embd // n_head)
    eps = g("attention.layer_norm_rms_epsilon")
    base = g("rope.freq_base", 10000.0)
    n_dims = g("rope.dimension_count", head_dim)
    assert n_dims == head_dim, "partial rotary dims are not used by these archs"

    # Rope frequencies as HF computes them (default rope; llama3 scaling when rope_freqs exist).
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    if "rope_freqs.weight" in t:
        # The GGUF stores the divisors llama.cpp's converter derives from HF's llama3 scaling.
        # Recompute HF's frequencies from the scaling parameters and check they agree.
        factor = g("rope.scaling.factor", 8.0)
        hf = llama3_inv_freq(inv_freq, factor, 1.0, 4.0,
                             g("rope.scaling.original_context_length", 8192))
        from_file = inv_freq / t["rope_freqs.weight"]
        rel = ((hf - from_file).abs() / hf).max().item()
        if rel > 1e-6:
            raise SystemExit("rope_freqs.weight disagrees with HF llama3 scaling (rel %.3e):\n%s\n%s"
                             % (rel, hf.tolist(), from_file.tolist()))
        inv_freq = hf
    if g("rope.scaling.type") == "linear":
        inv_freq = inv_freq / g("rope.scaling.factor")
    pos = torch.arange(len(tokens), dtype=torch.float64)
    freqs = torch.outer(pos, inv_freq)                 # [n_tokens, head_dim/2]
    emb = torch.cat((freqs, freqs), dim=-1)            # [n_tokens, head_dim]
    cos, sin = emb.cos()[None], emb.sin()[None]        # [1, n_tokens, head_dim]

    n = len(tokens)
    x = embd[torch.tensor(tokens)]                     # [n_tokens, n_embd]
    mask = torch.full((n, n), float("-inf"), dtype=torch.float64).triu(1)
    for il in range(n_layer):
        p = "blk.%d." % il
        h = rms_norm(x, t[p + "attn_norm.weight"], eps)
        wq, wk = t[p + "attn_q.weight"], t[p + "attn_k.weight"]
        if arch == "llama":
            wq, wk = unpermute(wq, n_head), unpermute(wk, n_head_kv)
        q, k, v = h @ wq.T, h @ wk.T, h @ t[p + "attn_v.weight"].T
        if p + "attn_q.bias" in t:
            q, k, v = q + t[p + "attn_q.bias"], k + t[p + "attn_k.bias"], v + t[p + "attn_v.bias"]
        q = q.view(n, n_head, head_dim).transpose(0, 1)      # [n_head, n_tokens, head_dim]
        k = k.view(n, n_head_kv, head_dim).transpose(0, 1)   # [n_head_kv, n_tokens, head_dim]
        v = v.view(n, n_head_kv, head_dim).transpose(0, 1)
        if p + "attn_q_norm.weight" in t:
            q = rms_norm(q, t[p + "attn_q_norm.weight"], eps)
            k = rms_norm(k, t[p + "attn_k_norm.weight"], eps)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(n_head // n_head_kv, dim=0)  # HF repeat_kv
        v = v.repeat_interleave(n_head // n_head_kv, dim=0)
        scores = q @ k.transpose(1, 2) / math.sqrt(head_dim) + mask
        a = torch.softmax(scores, dim=-1) @ v                # [n_head, n_tokens, head_dim]
        a = a.transpose(0, 1).reshape(n, n_head * head_dim)
        x = x + a @ t[p + "attn_output.weight"].T
        h = rms_norm(x, t[p + "ffn_norm.weight"], eps)
        gate, up = h @ t[p + "ffn_gate.weight"].T, h @ t[p + "ffn_up.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ t[p + "ffn_down.weight"].T
    x = rms_norm(x, t["output_norm.weight"], eps)
    out = t.get("output.weight", embd)                      # tied: lm_head = embed_tokens
    return x @ out.T                                        # [n_tokens, n_vocab]


def make_golden(primer, name, opts):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name + ".gguf")
        cmd = [primer] + gen_model_args(opts, path)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        kv, tensors, data = read_gguf(path)
    n_vocab = tensors["token_embd.weight"].shape[0]
    assert n_vocab == opts["n_vocab"], (n_vocab, opts)
    tokens = tokens_for(n_vocab)
    logits = forward(kv, tensors, tokens)
    return {
        "format": "primer-model-golden v1",
        "generated_by": "scripts/gen-torch-goldens.py (torch %s, float64)" % torch.__version__,
        "gen_model": opts,
        "gen_model_command": "primer " + " ".join(gen_model_args(opts, name + ".gguf")),
        "file_size": len(data),
        "file_fnv1a64": fnv1a64(data),
        "tokens": tokens,
        "n_vocab": n_vocab,
        "logits": [[float("%.9e" % v) for v in row] for row in logits.tolist()],
    }


def dump(golden):
    """JSON with one line per logits row (readable diffs, small file)."""
    meta = dict(golden)
    rows = meta.pop("logits")
    tokens = meta.pop("tokens")
    text = json.dumps(meta, indent=1)[:-2]
    text += ',\n "tokens": ' + json.dumps(tokens)
    text += ',\n "logits": [\n  ' + ",\n  ".join(json.dumps(r) for r in rows) + "\n ]\n}\n"
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--primer", required=True, help="the primer executable")
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens")
    ap.add_argument("--only", default="", help="comma-separated golden names")
    args = ap.parse_args()
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    failed = False
    for name, opts in GOLDENS.items():
        if only and name not in only:
            continue
        golden = make_golden(os.path.abspath(args.primer), name, opts)
        text = dump(golden)
        path = os.path.join(OUT_DIR, name + ".json")
        if args.check:
            old = json.load(open(path))
            same_file = old["file_fnv1a64"] == golden["file_fnv1a64"]
            diff = max(abs(a - b) for ra, rb in zip(old["logits"], golden["logits"])
                       for a, b in zip(ra, rb))
            print("%-20s file %s, max logit diff %.3e" % (name, "same" if same_file else "DIFFERENT", diff))
            failed |= not same_file or diff > 1e-9
        else:
            open(path, "w").write(text)
            print("%-20s %d bytes, file %s (%d bytes), max|logit| %.3f" % (
                name, len(text), golden["file_fnv1a64"], golden["file_size"],
                max(abs(v) for row in golden["logits"] for v in row)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
