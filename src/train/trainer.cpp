// Trainer: the forward and backward pass of a llama / qwen2 / qwen3 decoder over a batch, one
// layer at a time, reading the formulas off the forward pass:
//   xn1 = rmsnorm(x_in) * attn_norm;  q, k, v = xn1 Wq^T (+bq), ...;  [qwen3: per-head rmsnorm]
//   q, k = rope(q), rope(k);  att = softmax(q k^T / sqrt(hd), causal) v  (GQA: kv head = h / group)
//   x_mid = x_in + att Wo^T;  xn2 = rmsnorm(x_mid) * ffn_norm
//   x_out = x_mid + (silu(xn2 Wg^T) * (xn2 Wu^T)) Wd^T
// then xnf = rmsnorm(x_final) * output_norm and the fused output head (loss_head.cpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "train/trainer_impl.h"

namespace primer::train {

namespace {

const ParamInfo* need(const TrainModel& m, const std::string& name) {
  const ParamInfo* p = m.find(name);
  PRIMER_CHECK(p != nullptr);
  return p;
}

}  // namespace

Trainer::Impl::Impl(TrainModel& model_in, int64_t max_n_seq_in, int64_t seq_len, ThreadPool& pool_in)
    : model(model_in), pool(pool_in), s(model_in.shape()), max_n_seq(max_n_seq_in), T(seq_len) {
  PRIMER_CHECK(max_n_seq >= 1 && T >= 1);
  const Status blas_ok = blas_init();
  if (!blas_ok.ok()) {
    std::fprintf(stderr, "%s\n", blas_ok.error().message.c_str());
    PRIMER_CHECK(blas_ok.ok());
  }
  max_rows = max_n_seq * T;
  D = s.n_embd;
  hd = s.head_dim;
  Hq = s.n_head * hd;
  Hk = s.n_head_kv * hd;
  F = s.n_ff;
  V = s.n_vocab;
  attn_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  rope.init(s.engine_config().rope.style, s.rope_theta, hd, T);

  tok_embd = need(model, "token_embd.weight");
  output_norm = need(model, "output_norm.weight");
  output = s.tied_embeddings ? tok_embd : need(model, "output.weight");
  for (int64_t il = 0; il < s.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    LayerParams l;
    l.attn_norm = need(model, p + "attn_norm.weight");
    l.wq = need(model, p + "attn_q.weight");
    l.wk = need(model, p + "attn_k.weight");
    l.wv = need(model, p + "attn_v.weight");
    l.wo = need(model, p + "attn_output.weight");
    if (s.has_qkv_bias()) {
      l.bq = need(model, p + "attn_q.bias");
      l.bk = need(model, p + "attn_k.bias");
      l.bv = need(model, p + "attn_v.bias");
    }
    if (s.has_qk_norm()) {
      l.q_norm = need(model, p + "attn_q_norm.weight");
      l.k_norm = need(model, p + "attn_k_norm.weight");
    }
    l.ffn_norm = need(model, p + "ffn_norm.weight");
    l.ffn_gate = need(model, p + "ffn_gate.weight");
    l.ffn_up = need(model, p + "ffn_up.weight");
    l.ffn_down = need(model, p + "ffn_down.weight");
    layers.push_back(l);
  }

  // Saved activations: one slab, carved per layer (each piece rounded to 16 floats).
  const int64_t N = max_rows;
  const bool qk_norm = s.has_qk_norm();
  auto r16 = [](int64_t n) { return (n + 15) / 16 * 16; };
  const int64_t probs = max_n_seq * s.n_head * T * T;
  const int64_t per_layer = r16(N * D) * 4 + r16(N) * 2 + r16(N * Hq) * 2 + r16(N * Hk) * 2 + r16(N * F) * 3 +
                            r16(probs) +
                            (qk_norm ? r16(N * Hq) + r16(N * Hk) + r16(N * s.n_head) + r16(N * s.n_head_kv) : 0);
  acts_buf = FloatBuffer(static_cast<size_t>(per_layer * s.n_layer + r16(N * D) * 2 + r16(N)));
  float* cur = acts_buf.data();
  auto take = [&](int64_t n) {
    float* p = cur;
    cur += r16(n);
    return p;
  };
  for (int64_t il = 0; il < s.n_layer; ++il) {
    LayerActs a{};
    a.x_in = take(N * D);
    a.rstd1 = take(N);
    a.xn1 = take(N * D);
    a.q = take(N * Hq);
    a.k = take(N * Hk);
    a.v = take(N * Hk);
    if (qk_norm) {
      a.q_pre = take(N * Hq);
      a.k_pre = take(N * Hk);
      a.rstd_q = take(N * s.n_head);
      a.rstd_k = take(N * s.n_head_kv);
    }
    a.probs = take(probs);
    a.att = take(N * Hq);
    a.x_mid = take(N * D);
    a.rstd2 = take(N);
    a.xn2 = take(N * D);
    a.gate = take(N * F);
    a.up = take(N * F);
    a.h = take(N * F);
    acts.push_back(a);
  }
  x_final = take(N * D);
  rstd_f = take(N);
  xnf = take(N * D);

  const int64_t n_threads = pool.size();
  grad_buf = FloatBuffer(static_cast<size_t>(r16(N * D) * 2 + r16(N * Hq) * 2 + r16(N * Hk) * 3 + r16(N * F) * 2 +
                                             r16(T * T) * n_threads));
  cur = grad_buf.data();
  dx = take(N * D);
  dxn = take(N * D);
  dq = take(N * Hq);
  datt = take(N * Hq);
  dk = take(N * Hk);
  dv = take(N * Hk);
  dk_tmp = take(N * Hk);
  dgate = take(N * F);
  dup = take(N * F);
  dprobs = take(T * T * n_threads);

  // Loss head: chunks of at most 32M logits (128 MiB), at least 16 rows: fewer chunks mean fewer
  // passes of the output weight gradient (n_vocab x n_embd) through memory.
  head_rows = std::min<int64_t>(N, std::max<int64_t>(16, (int64_t{32} << 20) / V));
  head_buf = FloatBuffer(static_cast<size_t>(r16(head_rows * D) * 2 + r16(head_rows * V)));
  cur = head_buf.data();
  head_x = take(head_rows * D);
  head_dx = take(head_rows * D);
  head_logits = take(head_rows * V);
  target_rows.reserve(static_cast<size_t>(N));
  row_ce.resize(static_cast<size_t>(N));
  row_kl.resize(static_cast<size_t>(N));
}

// Causal attention in blocks of kAttnBlock query rows: block [r0, r1) only needs keys [0, r1),
// so the products skip the masked upper triangle (about half the work at long sequences).
constexpr int64_t kAttnBlock = 64;

void Trainer::Impl::attention_forward(const LayerActs& a, int64_t n_seq) {
  const int64_t n_head = s.n_head, group = s.n_head / s.n_head_kv;
  pool.parallel_for(static_cast<size_t>(n_seq * n_head), 1, [&](size_t begin, size_t end, int) {
    for (size_t task = begin; task < end; ++task) {
      const int64_t sq = static_cast<int64_t>(task) / n_head, h = static_cast<int64_t>(task) % n_head;
      const int64_t kvh = h / group;
      const float* q = a.q + sq * T * Hq + h * hd;
      const float* k = a.k + sq * T * Hk + kvh * hd;
      const float* v = a.v + sq * T * Hk + kvh * hd;
      float* p = a.probs + (sq * n_head + h) * T * T;
      float* o = a.att + sq * T * Hq + h * hd;
      for (int64_t r0 = 0; r0 < T; r0 += kAttnBlock) {
        const int64_t r1 = std::min(T, r0 + kAttnBlock), rows = r1 - r0;
        float* pb = p + r0 * T;
        gemm_serial(false, true, rows, r1, hd, attn_scale, q + r0 * Hq, Hq, k, Hk, 0.0f, pb, T);  // S = s Q K^T
        causal_softmax(pb, rows, T, r0, r1);
        gemm_serial(false, false, rows, hd, r1, 1.0f, pb, T, v, Hk, 0.0f, o + r0 * Hq, Hq);        // O = P V
      }
    }
  });
}

void Trainer::Impl::attention_backward(const LayerActs& a, int64_t n_seq) {
  const int64_t n_head = s.n_head, n_kv = s.n_head_kv, group = n_head / n_kv;
  pool.parallel_for(static_cast<size_t>(n_seq * n_kv), 1, [&](size_t begin, size_t end, int thread) {
    float* dp = dprobs + static_cast<int64_t>(thread) * ((T * T + 15) / 16 * 16);
    for (size_t task = begin; task < end; ++task) {
      const int64_t sq = static_cast<int64_t>(task) / n_kv, kvh = static_cast<int64_t>(task) % n_kv;
      const float* k = a.k + sq * T * Hk + kvh * hd;
      const float* v = a.v + sq * T * Hk + kvh * hd;
      float* dk_s = dk + sq * T * Hk + kvh * hd;
      float* dv_s = dv + sq * T * Hk + kvh * hd;
      for (int64_t t = 0; t < T; ++t) {
        std::fill(dk_s + t * Hk, dk_s + t * Hk + hd, 0.0f);
        std::fill(dv_s + t * Hk, dv_s + t * Hk + hd, 0.0f);
      }
      for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h) {
        const float* q = a.q + sq * T * Hq + h * hd;
        const float* p = a.probs + (sq * n_head + h) * T * T;
        const float* d_o = datt + sq * T * Hq + h * hd;
        float* dq_s = dq + sq * T * Hq + h * hd;
        for (int64_t r0 = 0; r0 < T; r0 += kAttnBlock) {
          const int64_t r1 = std::min(T, r0 + kAttnBlock), rows = r1 - r0;
          const float* pb = p + r0 * T;
          gemm_serial(false, true, rows, r1, hd, 1.0f, d_o + r0 * Hq, Hq, v, Hk, 0.0f, dp, T);    // dP = dO V^T
          gemm_serial(true, false, r1, hd, rows, 1.0f, pb, T, d_o + r0 * Hq, Hq, 1.0f, dv_s, Hk);  // dV += P^T dO
          causal_softmax_backward(pb, dp, rows, T, r0, r1);                                        // dS
          gemm_serial(false, false, rows, hd, r1, attn_scale, dp, T, k, Hk, 0.0f, dq_s + r0 * Hq, Hq);  // dQ = s dS K
          gemm_serial(true, false, r1, hd, rows, attn_scale, dp, T, q + r0 * Hq, Hq, 1.0f, dk_s, Hk);   // dK += s dS^T Q
        }
      }
    }
  });
}

void Trainer::Impl::forward(const BatchView& batch) {
  const int64_t N = batch.n_seq * T;
  const float* embd = model.param(*tok_embd);
  // Embedding rows.
  float* x0 = s.n_layer > 0 ? acts[0].x_in : x_final;
  pool.parallel_for(static_cast<size_t>(N), 64, [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      const int32_t tok = batch.tokens[r];
      PRIMER_CHECK(tok >= 0 && tok < V);
      std::memcpy(x0 + r * D, embd + static_cast<int64_t>(tok) * D, static_cast<size_t>(D) * sizeof(float));
    }
  });
  for (int64_t il = 0; il < s.n_layer; ++il) {
    const LayerParams& l = layers[il];
    const LayerActs& a = acts[il];
    rmsnorm_forward(pool, a.x_in, model.param(*l.attn_norm), a.xn1, a.rstd1, N, D, s.rms_eps);
    gemm(pool, false, true, N, Hq, D, 1.0f, a.xn1, D, model.param(*l.wq), D, 0.0f, a.q, Hq);
    gemm(pool, false, true, N, Hk, D, 1.0f, a.xn1, D, model.param(*l.wk), D, 0.0f, a.k, Hk);
    gemm(pool, false, true, N, Hk, D, 1.0f, a.xn1, D, model.param(*l.wv), D, 0.0f, a.v, Hk);
    if (l.bq != nullptr) {
      add_bias(pool, a.q, model.param(*l.bq), N, Hq);
      add_bias(pool, a.k, model.param(*l.bk), N, Hk);
      add_bias(pool, a.v, model.param(*l.bv), N, Hk);
    }
    if (l.q_norm != nullptr) {
      std::memcpy(a.q_pre, a.q, static_cast<size_t>(N * Hq) * sizeof(float));
      std::memcpy(a.k_pre, a.k, static_cast<size_t>(N * Hk) * sizeof(float));
      rmsnorm_forward(pool, a.q_pre, model.param(*l.q_norm), a.q, a.rstd_q, N * s.n_head, hd, s.rms_eps);
      rmsnorm_forward(pool, a.k_pre, model.param(*l.k_norm), a.k, a.rstd_k, N * s.n_head_kv, hd, s.rms_eps);
    }
    rope.apply(pool, a.q, N, T, s.n_head, false);
    rope.apply(pool, a.k, N, T, s.n_head_kv, false);
    attention_forward(a, batch.n_seq);
    std::memcpy(a.x_mid, a.x_in, static_cast<size_t>(N * D) * sizeof(float));
    gemm(pool, false, true, N, D, Hq, 1.0f, a.att, Hq, model.param(*l.wo), Hq, 1.0f, a.x_mid, D);
    rmsnorm_forward(pool, a.x_mid, model.param(*l.ffn_norm), a.xn2, a.rstd2, N, D, s.rms_eps);
    gemm(pool, false, true, N, F, D, 1.0f, a.xn2, D, model.param(*l.ffn_gate), D, 0.0f, a.gate, F);
    gemm(pool, false, true, N, F, D, 1.0f, a.xn2, D, model.param(*l.ffn_up), D, 0.0f, a.up, F);
    swiglu_forward(pool, a.gate, a.up, a.h, N * F);
    float* x_out = il + 1 < s.n_layer ? acts[il + 1].x_in : x_final;
    std::memcpy(x_out, a.x_mid, static_cast<size_t>(N * D) * sizeof(float));
    gemm(pool, false, true, N, D, F, 1.0f, a.h, F, model.param(*l.ffn_down), F, 1.0f, x_out, D);
  }
  rmsnorm_forward(pool, x_final, model.param(*output_norm), xnf, rstd_f, N, D, s.rms_eps);
}

void Trainer::Impl::backward(const BatchView& batch) {
  const int64_t N = batch.n_seq * T;
  // dxn holds d(loss)/d(xnf) (written by loss_head); dx becomes d/d(x_final).
  rmsnorm_backward(pool, x_final, model.param(*output_norm), rstd_f, dxn, dx, model.grad(*output_norm), N, D, false);
  for (int64_t il = s.n_layer - 1; il >= 0; --il) {
    const LayerParams& l = layers[il];
    const LayerActs& a = acts[il];
    // Feed-forward: dx is d/d(x_out) = d/d(ffn output) (residual).
    gemm(pool, false, false, N, F, D, 1.0f, dx, D, model.param(*l.ffn_down), F, 0.0f, dgate, F);  // dh
    gemm(pool, true, false, D, F, N, 1.0f, dx, D, a.h, F, 1.0f, model.grad(*l.ffn_down), F);
    swiglu_backward(pool, a.gate, a.up, dgate, dup, N * F);
    gemm(pool, false, false, N, D, F, 1.0f, dgate, F, model.param(*l.ffn_gate), D, 0.0f, dxn, D);
    gemm(pool, false, false, N, D, F, 1.0f, dup, F, model.param(*l.ffn_up), D, 1.0f, dxn, D);
    gemm(pool, true, false, F, D, N, 1.0f, dgate, F, a.xn2, D, 1.0f, model.grad(*l.ffn_gate), D);
    gemm(pool, true, false, F, D, N, 1.0f, dup, F, a.xn2, D, 1.0f, model.grad(*l.ffn_up), D);
    rmsnorm_backward(pool, a.x_mid, model.param(*l.ffn_norm), a.rstd2, dxn, dx, model.grad(*l.ffn_norm), N, D, true);
    // Attention: dx is now d/d(x_mid).
    gemm(pool, false, false, N, Hq, D, 1.0f, dx, D, model.param(*l.wo), Hq, 0.0f, datt, Hq);
    gemm(pool, true, false, D, Hq, N, 1.0f, dx, D, a.att, Hq, 1.0f, model.grad(*l.wo), Hq);
    attention_backward(a, batch.n_seq);
    rope.apply(pool, dq, N, T, s.n_head, true);
    rope.apply(pool, dk, N, T, s.n_head_kv, true);
    if (l.q_norm != nullptr) {
      // d/d(q_pre) into datt (free now), d/d(k_pre) into dk_tmp.
      rmsnorm_backward(pool, a.q_pre, model.param(*l.q_norm), a.rstd_q, dq, datt, model.grad(*l.q_norm),
                       N * s.n_head, hd, false);
      rmsnorm_backward(pool, a.k_pre, model.param(*l.k_norm), a.rstd_k, dk, dk_tmp, model.grad(*l.k_norm),
                       N * s.n_head_kv, hd, false);
      std::memcpy(dq, datt, static_cast<size_t>(N * Hq) * sizeof(float));
      std::memcpy(dk, dk_tmp, static_cast<size_t>(N * Hk) * sizeof(float));
    }
    if (l.bq != nullptr) {
      bias_backward(pool, dq, model.grad(*l.bq), N, Hq);
      bias_backward(pool, dk, model.grad(*l.bk), N, Hk);
      bias_backward(pool, dv, model.grad(*l.bv), N, Hk);
    }
    gemm(pool, false, false, N, D, Hq, 1.0f, dq, Hq, model.param(*l.wq), D, 0.0f, dxn, D);
    gemm(pool, false, false, N, D, Hk, 1.0f, dk, Hk, model.param(*l.wk), D, 1.0f, dxn, D);
    gemm(pool, false, false, N, D, Hk, 1.0f, dv, Hk, model.param(*l.wv), D, 1.0f, dxn, D);
    gemm(pool, true, false, Hq, D, N, 1.0f, dq, Hq, a.xn1, D, 1.0f, model.grad(*l.wq), D);
    gemm(pool, true, false, Hk, D, N, 1.0f, dk, Hk, a.xn1, D, 1.0f, model.grad(*l.wk), D);
    gemm(pool, true, false, Hk, D, N, 1.0f, dv, Hk, a.xn1, D, 1.0f, model.grad(*l.wv), D);
    rmsnorm_backward(pool, a.x_in, model.param(*l.attn_norm), a.rstd1, dxn, dx, model.grad(*l.attn_norm), N, D, true);
  }
  // Embedding: scatter-add in row order (deterministic).
  float* g = model.grad(*tok_embd);
  for (int64_t r = 0; r < N; ++r) {
    float* gr = g + static_cast<int64_t>(batch.tokens[r]) * D;
    const float* d = dx + r * D;
    for (int64_t i = 0; i < D; ++i) gr[i] += d[i];
  }
}

Trainer::Trainer(TrainModel& model, int64_t max_n_seq, int64_t seq_len, ThreadPool& pool)
    : impl_(std::make_unique<Impl>(model, max_n_seq, seq_len, pool)) {}

Trainer::~Trainer() = default;

StepStats Trainer::forward_backward(const BatchView& batch, const LossConfig& loss, float grad_scale) {
  PRIMER_CHECK(batch.n_seq >= 1 && batch.n_seq <= impl_->max_n_seq && batch.seq_len == impl_->T);
  impl_->forward(batch);
  StepStats stats = impl_->loss_head(batch, loss, grad_scale, true);
  impl_->backward(batch);
  return stats;
}

StepStats Trainer::evaluate(const BatchView& batch, const LossConfig& loss) {
  PRIMER_CHECK(batch.n_seq >= 1 && batch.n_seq <= impl_->max_n_seq && batch.seq_len == impl_->T);
  impl_->forward(batch);
  return impl_->loss_head(batch, loss, 1.0f, false);
}

void Trainer::logits(const BatchView& batch, std::span<float> out) {
  PRIMER_CHECK(batch.n_seq >= 1 && batch.n_seq <= impl_->max_n_seq && batch.seq_len == impl_->T);
  const int64_t N = batch.n_seq * impl_->T;
  PRIMER_CHECK(static_cast<int64_t>(out.size()) == N * impl_->V);
  impl_->forward(batch);
  gemm(impl_->pool, false, true, N, impl_->V, impl_->D, 1.0f, impl_->xnf, impl_->D,
       impl_->model.param(*impl_->output), impl_->D, 0.0f, out.data(), impl_->V);
}

size_t Trainer::scratch_bytes() const {
  return (impl_->acts_buf.size() + impl_->grad_buf.size() + impl_->head_buf.size()) * sizeof(float);
}

}  // namespace primer::train
