// The forward pass of a llama-style decoder (llama, qwen2, qwen3 share it; the architecture
// files decide which tensors exist, and presence switches biases and q/k norms on):
//
//   x = tok_embd[token]                                         [n_tokens][n_embd]
//   for each layer il:
//     xn = rms_norm(x) * attn_norm
//     q = xn Wq^T (+bq), k = xn Wk^T (+bk), v = xn Wv^T (+bv)    [n_tokens][n_head(_kv) * head_dim]
//     q, k = rms_norm per head (qwen3), then rope(pos)
//     cache[seq][pos] = k, v
//     att[t, h] = softmax(q[t,h] . K[seq][0..pos]^T / sqrt(head_dim)) V[seq][0..pos]   (GQA)
//     x += att Wo^T
//     xn = rms_norm(x) * ffn_norm
//     x += (silu(xn Wgate^T) * (xn Wup^T)) Wdown^T
//   logits = rms_norm(x) * output_norm  Wout^T                  rows that asked for logits only
#include <algorithm>
#include <chrono>
#include <cmath>

#include "model/context_impl.h"
#include "primer/kernels.h"

namespace primer {
namespace {

using Clock = std::chrono::steady_clock;

void add_bias(float* y, const WeightTensor& b, int64_t n) {
  const float* bias = b.f32();
  for (int64_t i = 0; i < n; ++i) y[i] += bias[i];
}

}  // namespace

void Context::Impl::forward(const Model& model, ThreadPool& pool, const Batch& batch,
                            size_t begin, size_t end, int64_t first_logit_row) {
  const ModelConfig& c = model.config();
  const ModelWeights& w = model.weights();
  const KernelSet& ks = kernels();
  const FloatKernels& f = ks.f;
  const int64_t n = static_cast<int64_t>(end - begin);
  const int64_t n_embd = c.n_embd, hd = c.head_dim, n_ff = c.n_ff;
  const int64_t q_dim = c.n_head * hd, kv_dim = c.n_head_kv * hd;
  const int64_t group = c.n_head / c.n_head_kv;
  const float eps = c.rms_eps;
  const bool prof = profiling;
  Clock::time_point t0;
  auto start = [&] { if (prof) t0 = Clock::now(); };
  auto stop = [&](Op op) { if (prof) add_time(op, t0); };

  // Embeddings.
  start();
  int64_t n_out = 0;
  for (int64_t t = 0; t < n; ++t) {
    const size_t i = begin + static_cast<size_t>(t);
    seq[static_cast<size_t>(t)] = batch.seq(i);
    pos[static_cast<size_t>(t)] = batch.pos(i);
    if (batch.want_logits(i)) out_rows[static_cast<size_t>(n_out++)] = t;
    ks.of(w.tok_embd.type).to_float(w.tok_embd.row(batch.token(i)), x.data() + t * n_embd, n_embd);
  }
  rope.prepare(pos.data(), n);
  stop(Op::kEmbed);

  for (int64_t il = 0; il < c.n_layer; ++il) {
    const LayerWeights& L = w.layers[static_cast<size_t>(il)];

    // Attention block.
    start();
    for (int64_t t = 0; t < n; ++t) {
      f.rms_norm(n_embd, x.data() + t * n_embd, L.attn_norm.f32(), eps, xn.data() + t * n_embd);
    }
    stop(Op::kNorm);

    start();
    const model::MatJob qkv[3] = {{&L.wq, q.data(), q_dim}, {&L.wk, k.data(), kv_dim},
                                  {&L.wv, v.data(), kv_dim}};
    matmul.run(qkv, xn.data(), n_embd, n, n_embd, pool);
    stop(Op::kQkv);

    // Per token: biases, q/k norms, rope, and the new keys/values into the cache.
    start();
    {
      struct S {
        Impl* m; const LayerWeights* L; int64_t il, hd, q_dim, kv_dim, n_head, n_head_kv; float eps;
        const FloatKernels* f;
      } s{this, &L, il, hd, q_dim, kv_dim, c.n_head, c.n_head_kv, eps, &f};
      pool.parallel_for(static_cast<size_t>(n), 8, [&s](size_t b, size_t e, int) {
        Impl& m = *s.m;
        const LayerWeights& L = *s.L;
        for (size_t t = b; t < e; ++t) {
          float* qt = m.q.data() + t * s.q_dim;
          float* kt = m.k.data() + t * s.kv_dim;
          float* vt = m.v.data() + t * s.kv_dim;
          if (L.bq.present()) add_bias(qt, L.bq, s.q_dim);
          if (L.bk.present()) add_bias(kt, L.bk, s.kv_dim);
          if (L.bv.present()) add_bias(vt, L.bv, s.kv_dim);
          if (L.q_norm.present()) {
            for (int64_t h = 0; h < s.n_head; ++h) s.f->rms_norm(s.hd, qt + h * s.hd, L.q_norm.f32(), s.eps, qt + h * s.hd);
          }
          if (L.k_norm.present()) {
            for (int64_t h = 0; h < s.n_head_kv; ++h) s.f->rms_norm(s.hd, kt + h * s.hd, L.k_norm.f32(), s.eps, kt + h * s.hd);
          }
          m.rope.apply(qt, s.n_head, s.hd, static_cast<int64_t>(t));
          m.rope.apply(kt, s.n_head_kv, s.hd, static_cast<int64_t>(t));
          const int sq = m.seq[t];
          const int64_t p = m.pos[t];
          if (m.kv.type() == QuantType::kF16) {
            s.f->f32_to_f16(kt, reinterpret_cast<uint16_t*>(m.kv.k(s.il, sq, p)), s.kv_dim);
            s.f->f32_to_f16(vt, reinterpret_cast<uint16_t*>(m.kv.v(s.il, sq, p)), s.kv_dim);
          } else {
            std::copy(kt, kt + s.kv_dim, reinterpret_cast<float*>(m.kv.k(s.il, sq, p)));
            std::copy(vt, vt + s.kv_dim, reinterpret_cast<float*>(m.kv.v(s.il, sq, p)));
          }
        }
      });
    }
    stop(Op::kRopeKv);

    // Causal attention over each token's own sequence. One work item per (token, kv head): the
    // group of query heads sharing that kv head gets all its scores from one register-blocked
    // gemm_tile call over the cached keys (each key row read once for the whole group; with an
    // F16 cache the queries are rounded to f16 for it, as llama.cpp does), then a softmax and a
    // weighted sum of the values per head.
    start();
    {
      struct S {
        Impl* m; int64_t il, hd, q_dim, group, n_head_kv, n_ctx; float scale;
        const FloatKernels* f; GemmTileFn scores_tile;
      } s{this, il, hd, q_dim, group, c.n_head_kv, kv.n_ctx(),
          static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd))), &f,
          ks.of(kv.type()).gemm_tile};
      pool.parallel_for(static_cast<size_t>(n * c.n_head_kv), 1, [&s](size_t b, size_t e, int thread) {
        Impl& m = *s.m;
        const size_t per_thread = 2 * static_cast<size_t>(s.n_ctx * s.group);
        float* raw = m.scores.data() + static_cast<size_t>(thread) * per_thread;   // [n_kv][group]
        float* prob = raw + per_thread / 2;                                       // [group][n_kv]
        uint16_t* q16 = m.q16.data() + static_cast<size_t>(thread) * static_cast<size_t>(s.group * s.hd);
        const bool f16 = m.kv.type() == QuantType::kF16;
        const size_t elem = m.kv.elem_bytes();
        for (size_t item = b; item < e; ++item) {
          const int64_t t = static_cast<int64_t>(item) / s.n_head_kv, g = static_cast<int64_t>(item) % s.n_head_kv;
          const int sq = m.seq[static_cast<size_t>(t)];
          const int64_t n_kv = m.pos[static_cast<size_t>(t)] + 1;
          const float* qg = m.q.data() + t * s.q_dim + g * s.group * s.hd;  // [group][hd]
          const void* a = qg;
          size_t a_stride = static_cast<size_t>(s.hd) * sizeof(float);
          if (f16) {
            s.f->f32_to_f16(qg, q16, s.group * s.hd);
            a = q16;
            a_stride = static_cast<size_t>(s.hd) * sizeof(uint16_t);
          }
          const uint8_t* k0 = m.kv.k(s.il, sq, 0) + static_cast<size_t>(g * s.hd) * elem;
          s.scores_tile(s.hd, k0, m.kv.row_bytes(), static_cast<int>(n_kv), a, a_stride,
                        static_cast<int>(s.group), raw, static_cast<size_t>(s.group));
          for (int64_t c = 0; c < s.group; ++c) {
            float* p = prob + c * n_kv;
            for (int64_t j = 0; j < n_kv; ++j) p[j] = s.scale * raw[j * s.group + c];
            s.f->softmax(n_kv, p);
            const int64_t h = g * s.group + c;
            float* out = m.att.data() + t * s.q_dim + h * s.hd;
            std::fill(out, out + s.hd, 0.0f);
            for (int64_t j = 0; j < n_kv; ++j) {
              const uint8_t* vr = m.kv.v(s.il, sq, j) + static_cast<size_t>(g * s.hd) * elem;
              if (f16) {
                s.f->axpy_f16(s.hd, p[j], reinterpret_cast<const uint16_t*>(vr), out);
              } else {
                s.f->axpy_f32(s.hd, p[j], reinterpret_cast<const float*>(vr), out);
              }
            }
          }
        }
      });
    }
    stop(Op::kAttention);

    start();
    const model::MatJob wo[1] = {{&L.wo, o.data(), n_embd}};
    matmul.run(wo, att.data(), q_dim, n, q_dim, pool);
    for (int64_t i = 0; i < n * n_embd; ++i) x[static_cast<size_t>(i)] += o[static_cast<size_t>(i)];
    stop(Op::kAttnOut);

    // Feed-forward block.
    start();
    for (int64_t t = 0; t < n; ++t) {
      f.rms_norm(n_embd, x.data() + t * n_embd, L.ffn_norm.f32(), eps, xn.data() + t * n_embd);
    }
    stop(Op::kNorm);

    // Gate/up, SiLU and down per chunk of tokens (small [chunk][n_ff] buffers).
    for (int64_t c0 = 0; c0 < n; c0 += kFfnChunk) {
      const int64_t cn = std::min(kFfnChunk, n - c0);
      start();
      const model::MatJob gu[2] = {{&L.ffn_gate, gate.data(), n_ff}, {&L.ffn_up, up.data(), n_ff}};
      matmul.run(gu, xn.data() + c0 * n_embd, n_embd, cn, n_embd, pool);
      stop(Op::kFfnUpGate);

      start();
      f.silu_mul(cn * n_ff, gate.data(), up.data(), gate.data());
      stop(Op::kFfnAct);

      start();
      const model::MatJob down[1] = {{&L.ffn_down, o.data() + c0 * n_embd, n_embd}};
      matmul.run(down, gate.data(), n_ff, cn, n_ff, pool);
      for (int64_t i = c0 * n_embd; i < (c0 + cn) * n_embd; ++i) {
        x[static_cast<size_t>(i)] += o[static_cast<size_t>(i)];
      }
      stop(Op::kFfnDown);
    }
  }

  if (n_out == 0) return;
  // Final norm of the rows that want logits, packed, then the output projection.
  start();
  for (int64_t r = 0; r < n_out; ++r) {
    const int64_t t = out_rows[static_cast<size_t>(r)];
    f.rms_norm(n_embd, x.data() + t * n_embd, w.output_norm.f32(), eps, xn.data() + r * n_embd);
  }
  const model::MatJob out[1] = {{&w.output, logits.data() + first_logit_row * c.n_vocab, c.n_vocab}};
  matmul.run(out, xn.data(), n_embd, n_out, n_embd, pool);
  stop(Op::kOutput);
}

}  // namespace primer
