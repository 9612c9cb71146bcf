#!/usr/bin/python3
"""PyTorch reference values for the trainer (include/primer/train.h), in float64.

Writes tests/golden/train/<name>.json (index, scalars, token ids) + <name>.bin (float32
little-endian arrays the index points into) for tiny configurations of each architecture:

  llama_tied    llama, tied embeddings, RoPE on adjacent pairs (x[2i], x[2i+1])
  qwen2_untied  qwen2, separate output.weight, q/k/v biases, RoPE on halves (x[i], x[i+hd/2])
  qwen3_tied    qwen3, tied, per-head q_norm/k_norm before RoPE, head_dim 16 != n_embd/n_head
  distill_llama the llama_tied model with teacher top-k targets: forward / reverse / mixed KL

Each of the first three holds: the initial parameters (random, from a torch seed, rounded to
float32 before any reference computation, so both sides start from the same numbers), a batch
(tokens, targets with some -1), the logits, the loss and every gradient; clip_grad_norm to 1.0 (the pre-clip
norm); the parameters after one AdamW step (torch.optim.AdamW, lr 1e-2, betas (0.9, 0.95), eps
1e-8, weight decay 0.1 on 2-D tensors only); and a 10-step run (10 different batches, lr from
lr_at: linear warm-up lr_max * (step + 1) / 3 for steps 0..2, cosine to lr_min at step 10; clipping 1.0) with its 10
losses (each computed before that step's update).

The model follows the engine's reading of the GGUF tensors (same names, [out, in] matrices,
y = x W^T): RMSNorm x * rsqrt(mean(x^2) + eps) * w, GQA with query head h reading KV head
h / (n_head / n_head_kv), causal attention scaled by 1/sqrt(head_dim), SwiGLU silu(gate) * up,
cross-entropy averaged over the positions whose target is not -1.

  /usr/bin/python3 scripts/gen-train-goldens.py           # regenerate every golden
  /usr/bin/python3 scripts/gen-train-goldens.py --check   # recompute and compare, write nothing

Needs Debian's python3-torch and python3-numpy; use /usr/bin/python3. Deterministic: the same
torch version regenerates the same bytes.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "tests", "golden", "train")

BASE_SHAPE = dict(n_vocab=97, n_embd=32, n_layer=2, n_head=4, n_head_kv=2, head_dim=8, n_ff=48,
                  n_ctx=16, rope_theta=10000.0, rms_eps=1e-5)
CONFIGS = {
    "llama_tied": dict(BASE_SHAPE, arch="llama", tied_embeddings=True),
    "qwen2_untied": dict(BASE_SHAPE, arch="qwen2", tied_embeddings=False),
    "qwen3_tied": dict(BASE_SHAPE, arch="qwen3", tied_embeddings=True, head_dim=16),
}
SEEDS = {"llama_tied": 101, "qwen2_untied": 202, "qwen3_tied": 303}
N_SEQ, SEQ_LEN = 2, 8
ADAMW = dict(lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1)
MAX_NORM = 1.0
SCHEDULE = dict(steps=10, warmup_steps=3, lr_max=1e-2, lr_min=1e-3)
DISTILL = dict(k=5, temperature=2.0, distill_weight=0.7, reverse_share=0.5, teacher_seed=77)


# --- parameters ------------------------------------------------------------------------------

def tensor_list(s):
    """(name, n_rows, n_cols, matrix) in TrainModel's order (include/primer/train.h)."""
    d, hd, v, ff = s["n_embd"], s["head_dim"], s["n_vocab"], s["n_ff"]
    q, kv = s["n_head"] * hd, s["n_head_kv"] * hd
    out = [("token_embd.weight", v, d, True)]
    for il in range(s["n_layer"]):
        p = "blk.%d." % il
        out.append((p + "attn_norm.weight", 1, d, False))
        out += [(p + "attn_q.weight", q, d, True), (p + "attn_k.weight", kv, d, True),
                (p + "attn_v.weight", kv, d, True)]
        if s["arch"] == "qwen2":
            out += [(p + "attn_q.bias", 1, q, False), (p + "attn_k.bias", 1, kv, False),
                    (p + "attn_v.bias", 1, kv, False)]
        if s["arch"] == "qwen3":
            out += [(p + "attn_q_norm.weight", 1, hd, False), (p + "attn_k_norm.weight", 1, hd, False)]
        out += [(p + "attn_output.weight", d, q, True), (p + "ffn_norm.weight", 1, d, False),
                (p + "ffn_gate.weight", ff, d, True), (p + "ffn_up.weight", ff, d, True),
                (p + "ffn_down.weight", d, ff, True)]
    out.append(("output_norm.weight", 1, d, False))
    if not s["tied_embeddings"]:
        out.append(("output.weight", v, d, True))
    return out


def f32(t):
    """Round a float64 tensor to float32 and back: the values the C++ side sees exactly."""
    return t.to(torch.float32).to(torch.float64)


def init_params(s, seed):
    """Matrices N(0, 0.15), norm weights 1 + N(0, 0.1), biases N(0, 0.1); float32-representable."""
    g = torch.Generator().manual_seed(seed)
    params = {}
    for name, rows, cols, matrix in tensor_list(s):
        shape = (rows, cols) if matrix else (cols,)
        x = torch.randn(shape, generator=g, dtype=torch.float64)
        if matrix:
            x = x * 0.15
        elif name.endswith(".bias"):
            x = x * 0.1
        else:
            x = 1.0 + 0.1 * x
        params[name] = f32(x).requires_grad_(True)
    return params


# --- the model -------------------------------------------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, theta, style):
    """x [..., T, hd] at positions 0..T-1. llama: pairs (x[2i], x[2i+1]); qwen: (x[i], x[i+hd/2])."""
    t, hd = x.shape[-2], x.shape[-1]
    inv_freq = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)   # [hd/2]
    ang = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]     # [T, hd/2]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    if style == "pairs":
        x0, x1 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)
    x0, x1 = x[..., : hd // 2], x[..., hd // 2:]
    return torch.cat((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1)


def forward(s, P, tokens):
    """tokens [B, T] (long) -> logits [B, T, n_vocab]."""
    b, t = tokens.shape
    nh, nkv, hd, eps = s["n_head"], s["n_head_kv"], s["head_dim"], s["rms_eps"]
    style = "pairs" if s["arch"] == "llama" else "halves"
    x = P["token_embd.weight"][tokens]                                # [B, T, d]
    causal = torch.ones(t, t, dtype=torch.bool).triu(1)
    for il in range(s["n_layer"]):
        p = "blk.%d." % il
        h = rms_norm(x, P[p + "attn_norm.weight"], eps)
        q, k, v = h @ P[p + "attn_q.weight"].T, h @ P[p + "attn_k.weight"].T, h @ P[p + "attn_v.weight"].T
        if s["arch"] == "qwen2":
            q, k, v = q + P[p + "attn_q.bias"], k + P[p + "attn_k.bias"], v + P[p + "attn_v.bias"]
        q = q.view(b, t, nh, hd).transpose(1, 2)                      # [B, nh, T, hd]
        k = k.view(b, t, nkv, hd).transpose(1, 2)                     # [B, nkv, T, hd]
        v = v.view(b, t, nkv, hd).transpose(1, 2)
        if s["arch"] == "qwen3":
            q = rms_norm(q, P[p + "attn_q_norm.weight"], eps)
            k = rms_norm(k, P[p + "attn_k_norm.weight"], eps)
        q, k = rope(q, s["rope_theta"], style), rope(k, s["rope_theta"], style)
        k = k.repeat_interleave(nh // nkv, dim=1)
        v = v.repeat_interleave(nh // nkv, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        scores = scores.masked_fill(causal, float("-inf"))
        a = torch.softmax(scores, dim=-1) @ v                         # [B, nh, T, hd]
        a = a.transpose(1, 2).reshape(b, t, nh * hd)
        x = x + a @ P[p + "attn_output.weight"].T
        h = rms_norm(x, P[p + "ffn_norm.weight"], eps)
        gate, up = h @ P[p + "ffn_gate.weight"].T, h @ P[p + "ffn_up.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ P[p + "ffn_down.weight"].T
    x = rms_norm(x, P["output_norm.weight"], eps)
    head = P["token_embd.weight"] if s["tied_embeddings"] else P["output.weight"]
    return x @ head.T


def ce_loss(logits, targets):
    """Mean over targets != -1 of -log_softmax(z)[y]."""
    z = logits.reshape(-1, logits.shape[-1])
    y = targets.reshape(-1)
    keep = y != -1
    return -torch.log_softmax(z[keep], dim=-1).gather(1, y[keep][:, None]).mean()


def distill_losses(logits, targets, ids, lps, kl_dir, tau, a, rho):
    """(loss, mean CE, mean KL) over target positions, exactly as documented in the module doc."""
    z = logits.reshape(-1, logits.shape[-1])
    n_vocab = z.shape[1]
    y = targets.reshape(-1)
    keep = y != -1
    z, y, ids, lps = z[keep], y[keep], ids[keep], lps[keep]
    ce = -torch.log_softmax(z, dim=-1).gather(1, y[:, None])[:, 0]    # [N]
    s = torch.log_softmax(z / tau, dim=-1)                            # [N, V]
    qf = torch.softmax(lps / tau, dim=-1)                             # [N, k]
    klf = (qf * (torch.log(qf) - s.gather(1, ids))).sum(-1)
    k = ids.shape[1]
    rest = torch.clamp(1.0 - lps.exp().sum(-1), min=1e-6) / (n_vocab - k)   # [N]
    lp = torch.log(rest)[:, None].expand(-1, n_vocab).clone()
    lp.scatter_(1, ids, lps)
    tr = torch.log_softmax(lp / tau, dim=-1)
    klr = (s.exp() * (s - tr)).sum(-1)
    kl = {"forward": klf, "reverse": klr, "mixed": (1 - rho) * klf + rho * klr}[kl_dir]
    loss = ((1 - a) * ce + a * tau * tau * kl).mean()
    return loss, ce.mean(), kl.mean()


# --- optimizer pieces, as train.h defines them -----------------------------------------------

def lr_at(step, warmup, total, lr_max, lr_min):
    """src/train/optim.cpp's lr_at: warm-up lr_max * (step + 1) / warmup (nanoGPT's), cosine after."""
    if step < warmup:
        return lr_max * (step + 1) / warmup
    if total <= warmup:
        return lr_max
    progress = min(max((step - warmup) / (total - warmup), 0.0), 1.0)
    return lr_min + (lr_max - lr_min) * 0.5 * (1 + math.cos(math.pi * progress))


def clip_grad_norm(params, max_norm):
    """torch.nn.utils.clip_grad_norm_: g *= max_norm / (norm + 1e-6) when that is < 1."""
    return float(torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm))


def make_adamw(s, params, lr):
    decay = [params[n] for n, _, _, m in tensor_list(s) if m]
    no_decay = [params[n] for n, _, _, m in tensor_list(s) if not m]
    return torch.optim.AdamW([{"params": decay, "weight_decay": ADAMW["weight_decay"]},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(ADAMW["beta1"], ADAMW["beta2"]), eps=ADAMW["eps"])


# --- data ------------------------------------------------------------------------------------

def make_batch(g, n_vocab, n_seq=N_SEQ, seq_len=SEQ_LEN, n_masked=3):
    """Random tokens; targets = the next token (random past the end), n_masked of them -1."""
    toks = torch.randint(0, n_vocab, (n_seq, seq_len + 1), generator=g)
    tokens, targets = toks[:, :-1].clone(), toks[:, 1:].clone()
    flat = targets.view(-1)
    flat[torch.randperm(flat.numel(), generator=g)[:n_masked]] = -1
    return tokens, targets


# --- output ----------------------------------------------------------------------------------

class Bin:
    """float32 arrays packed one after the other; the index records offset/count in floats."""

    def __init__(self):
        self.chunks, self.n, self.index = [], 0, {}

    def add(self, key, t):
        a = np.ascontiguousarray(t.detach().to(torch.float64).numpy().astype("<f4").reshape(-1))
        self.index[key] = {"offset": self.n, "count": int(a.size)}
        self.chunks.append(a.tobytes())
        self.n += int(a.size)

    def data(self):
        return b"".join(self.chunks)


def header(name, s):
    return {
        "format": "primer-train-golden v1",
        "generated_by": "scripts/gen-train-goldens.py (torch %s, float64)" % torch.__version__,
        "name": name,
        "shape": s,
        "tensors": [{"name": n, "n_rows": r, "n_cols": c, "matrix": m} for n, r, c, m in tensor_list(s)],
    }


def train_golden(name):
    s = CONFIGS[name]
    torch.manual_seed(0)
    params = init_params(s, SEEDS[name])
    g = torch.Generator().manual_seed(SEEDS[name] + 1)
    tokens, targets = make_batch(g, s["n_vocab"])
    out, b = header(name, s), Bin()
    for n, p in params.items():
        b.add("param/" + n, p)

    logits = forward(s, params, tokens)
    b.add("logits", logits)
    loss = ce_loss(logits, targets)
    loss.backward()
    for n, p in params.items():
        b.add("grad/" + n, p.grad)
    norm = clip_grad_norm(params, MAX_NORM)
    assert norm > MAX_NORM, "the golden should exercise clipping (norm %.3f)" % norm
    opt = make_adamw(s, params, ADAMW["lr"])
    opt.step()
    for n, p in params.items():
        b.add("updated/" + n, p)
    out["step"] = {
        "n_seq": N_SEQ, "seq_len": SEQ_LEN,
        "tokens": tokens.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
        "n_targets": int((targets != -1).sum()),
        "loss": float(loss), "grad_norm": norm, "max_norm": MAX_NORM, "adamw": ADAMW,
    }

    # The 10-step run, from the same initial parameters.
    params = init_params(s, SEEDS[name])
    opt = make_adamw(s, params, 0.0)
    batches, losses, norms, lrs = [], [], [], []
    for step in range(SCHEDULE["steps"]):
        tk, tg = make_batch(g, s["n_vocab"])
        lr = lr_at(step, SCHEDULE["warmup_steps"], SCHEDULE["steps"], SCHEDULE["lr_max"], SCHEDULE["lr_min"])
        for p in params.values():
            p.grad = None
        loss = ce_loss(forward(s, params, tk), tg)
        loss.backward()
        norms.append(clip_grad_norm(params, MAX_NORM))
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        batches.append({"tokens": tk.reshape(-1).tolist(), "targets": tg.reshape(-1).tolist()})
        losses.append(float(loss))
        lrs.append(lr)
    out["sequence"] = dict(SCHEDULE, max_norm=MAX_NORM, n_seq=N_SEQ, seq_len=SEQ_LEN,
                           lrs=lrs, losses=losses, grad_norms=norms, batches=batches)
    out["arrays"] = b.index
    return out, b.data()


def distill_golden():
    name, base = "distill_llama", "llama_tied"
    s = CONFIGS[base]
    params = init_params(s, SEEDS[base])
    g = torch.Generator().manual_seed(DISTILL["teacher_seed"])
    tokens, targets = make_batch(g, s["n_vocab"])
    n_pos, k = N_SEQ * SEQ_LEN, DISTILL["k"]
    # A peaked random teacher: top-k mass between ~0.3 and ~1; position 0 is almost one-hot,
    # so the reverse KL's tail clamp (1e-6) is exercised.
    tl = torch.randn(n_pos, s["n_vocab"], generator=g, dtype=torch.float64) * 2.5
    tl[0, 5] = 40.0
    top = torch.log_softmax(tl, dim=-1).topk(k, dim=-1)
    ids, lps = top.indices, f32(top.values)                           # descending
    out, b = header(name, s), Bin()
    for n, p in params.items():
        b.add("param/" + n, p)
    b.add("teacher/logprobs", lps)
    out["step"] = {"n_seq": N_SEQ, "seq_len": SEQ_LEN, "tokens": tokens.reshape(-1).tolist(),
                   "targets": targets.reshape(-1).tolist(), "n_targets": int((targets != -1).sum())}
    out["teacher"] = {"k": k, "ids": ids.reshape(-1).tolist()}
    out["loss_config"] = {key: DISTILL[key] for key in ("temperature", "distill_weight", "reverse_share")}
    cases = []
    for kl_dir in ("forward", "reverse", "mixed"):
        for p in params.values():
            p.grad = None
        loss, ce, kl = distill_losses(forward(s, params, tokens), targets, ids, lps, kl_dir,
                                      DISTILL["temperature"], DISTILL["distill_weight"],
                                      DISTILL["reverse_share"])
        loss.backward()
        for n, p in params.items():
            b.add("grad_%s/%s" % (kl_dir, n), p.grad)
        cases.append({"kl": kl_dir, "loss": float(loss), "cross_entropy": float(ce), "kl_value": float(kl)})
    out["cases"] = cases
    out["arrays"] = b.index
    return out, b.data()


def dump(golden, indent=""):
    """JSON with every list of scalars and every small object on one line (readable diffs)."""
    if isinstance(golden, dict) and golden:
        one = json.dumps(golden)
        if len(one) < 100 and not any(isinstance(v, (dict, list)) for v in golden.values()):
            return one
        inner = indent + " "
        items = [inner + json.dumps(k) + ": " + dump(v, inner) for k, v in golden.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(golden, list) and any(isinstance(v, (dict, list)) for v in golden):
        inner = indent + " "
        return "[\n" + ",\n".join(inner + dump(v, inner) for v in golden) + "\n" + indent + "]"
    return json.dumps(golden)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    failed = False
    goldens = [(n, lambda n=n: train_golden(n)) for n in CONFIGS] + [("distill_llama", distill_golden)]
    for name, make in goldens:
        golden, data = make()
        text = dump(golden) + "\n"
        jpath, bpath = os.path.join(OUT_DIR, name + ".json"), os.path.join(OUT_DIR, name + ".bin")
        if args.check:
            same = open(jpath).read() == text and open(bpath, "rb").read() == data
            print("%-14s %s" % (name, "same" if same else "DIFFERENT"))
            failed |= not same
            continue
        open(jpath, "w").write(text)
        open(bpath, "wb").write(data)
        step = golden["step"]
        extra = ("loss %.6f, grad norm %.4f, 10 losses %.4f..%.4f" % (
            step["loss"], step["grad_norm"], golden["sequence"]["losses"][0], golden["sequence"]["losses"][-1])
            if "sequence" in golden else
            ", ".join("%s loss %.6f" % (c["kl"], c["loss"]) for c in golden["cases"]))
        print("%-14s %6d + %7d bytes; %s" % (name, len(text), len(data), extra))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
