// Plain double-precision forward pass (see reference_forward.h). Written top to bottom so a
// reader can check it against the Hugging Face modeling code line by line:
//
//   x = tok_embd[token]                                   [n_embd]
//   for each layer:
//     h = rms_norm(x) * attn_norm
//     q = wq h (+bq), k = wk h (+bk), v = wv h (+bv)      [n_head|n_head_kv, head_dim]
//     q, k = rms_norm_per_head(q) * q_norm, ... * k_norm  (qwen3 only)
//     q, k = rope(q, pos), rope(k, pos)
//     a = softmax(q k^T / sqrt(head_dim), causal) v       (GQA: head h reads kv head h / group)
//     x = x + wo a
//     h = rms_norm(x) * ffn_norm
//     x = x + down(silu(gate h) * up h)
//   logits = output (rms_norm(x) * output_norm)
#include "model/reference_forward.h"

#include <algorithm>
#include <cmath>

#include "primer/error.h"
#include "primer/quant.h"

namespace primer::testing {
namespace {

std::vector<double> dequantize_vector(const WeightTensor& t) {
  if (!t.present()) return {};
  RefMatrix m = dequantize(t);
  return std::move(m.data);
}

// y[n_rows] = vec_dot(W row, quantize(x, dot_type)) with the quant table's reference kernels.
std::vector<double> ref_kernel_matvec(const WeightTensor& w, const std::vector<double>& x) {
  const QuantTypeTraits* wt = quant_type_traits(w.type);
  const QuantTypeTraits* dt = quant_type_traits(wt->dot_type);
  PRIMER_CHECK(wt->vec_dot != nullptr && dt != nullptr && dt->from_float_ref != nullptr);
  PRIMER_CHECK(static_cast<int64_t>(x.size()) == w.n_cols && w.n_cols % dt->block_size == 0);
  const std::vector<float> xf(x.begin(), x.end());
  std::vector<uint8_t> a(quant_row_bytes(*dt, static_cast<uint64_t>(w.n_cols)));
  dt->from_float_ref(xf.data(), a.data(), w.n_cols);
  std::vector<double> y(static_cast<size_t>(w.n_rows));
  for (int64_t r = 0; r < w.n_rows; ++r) {
    y[static_cast<size_t>(r)] = wt->vec_dot(w.n_cols, w.row(r), a.data());
  }
  return y;
}

// y[n_rows] = W[n_rows x n_cols] x[n_cols]
std::vector<double> matvec(const RefMatrix& w, const std::vector<double>& x) {
  PRIMER_CHECK(static_cast<int64_t>(x.size()) == w.n_cols);
  std::vector<double> y(static_cast<size_t>(w.n_rows));
  for (int64_t r = 0; r < w.n_rows; ++r) {
    const double* row = w.row(r);
    double sum = 0;
    for (int64_t c = 0; c < w.n_cols; ++c) sum += row[c] * x[static_cast<size_t>(c)];
    y[static_cast<size_t>(r)] = sum;
  }
  return y;
}

void add_in_place(std::vector<double>& y, const std::vector<double>& b) {
  if (b.empty()) return;
  PRIMER_CHECK(y.size() == b.size());
  for (size_t i = 0; i < y.size(); ++i) y[i] += b[i];
}

// x[n] / sqrt(mean(x^2) + eps) * w[n], in place on x[0..n).
void rms_norm(double* x, int64_t n, const std::vector<double>& w, double eps) {
  PRIMER_CHECK(static_cast<int64_t>(w.size()) == n);
  double sum_sq = 0;
  for (int64_t i = 0; i < n; ++i) sum_sq += x[i] * x[i];
  const double scale = 1.0 / std::sqrt(sum_sq / static_cast<double>(n) + eps);
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] * scale * w[static_cast<size_t>(i)];
}

double silu(double x) { return x / (1.0 + std::exp(-x)); }

}  // namespace

RefMatrix dequantize(const WeightTensor& tensor) {
  PRIMER_CHECK(tensor.present());
  const QuantTypeTraits* traits = quant_type_traits(tensor.type);
  PRIMER_CHECK(traits != nullptr && traits->to_float != nullptr);
  RefMatrix m;
  m.source = &tensor;
  m.n_rows = tensor.n_rows;
  m.n_cols = tensor.n_cols;
  m.data.resize(static_cast<size_t>(m.n_rows * m.n_cols));
  std::vector<float> row(static_cast<size_t>(tensor.n_cols));
  for (int64_t r = 0; r < tensor.n_rows; ++r) {
    traits->to_float(tensor.row(r), row.data(), tensor.n_cols);
    std::copy(row.begin(), row.end(), m.data.begin() + r * m.n_cols);
  }
  return m;
}

ReferenceModel::ReferenceModel(const Model& model, ActivationRounding rounding)
    : config_(model.config()), rounding_(rounding) {
  const ModelWeights& w = model.weights();
  tok_embd_ = dequantize(w.tok_embd);
  output_norm_ = dequantize_vector(w.output_norm);
  output_ = w.output.present() && !config_.tied_output ? dequantize(w.output) : tok_embd_;
  for (const LayerWeights& lw : w.layers) {
    RefLayer l;
    l.attn_norm = dequantize_vector(lw.attn_norm);
    l.wq = dequantize(lw.wq);
    l.wk = dequantize(lw.wk);
    l.wv = dequantize(lw.wv);
    l.wo = dequantize(lw.wo);
    l.bq = dequantize_vector(lw.bq);
    l.bk = dequantize_vector(lw.bk);
    l.bv = dequantize_vector(lw.bv);
    l.q_norm = dequantize_vector(lw.q_norm);
    l.k_norm = dequantize_vector(lw.k_norm);
    l.ffn_norm = dequantize_vector(lw.ffn_norm);
    l.ffn_gate = dequantize(lw.ffn_gate);
    l.ffn_up = dequantize(lw.ffn_up);
    l.ffn_down = dequantize(lw.ffn_down);
    layers_.push_back(std::move(l));
  }
  PRIMER_CHECK(static_cast<int64_t>(layers_.size()) == config_.n_layer);
}

std::vector<double> ReferenceModel::project(const RefMatrix& w, const std::vector<double>& x) const {
  if (rounding_ == ActivationRounding::kExact || w.source->type == QuantType::kF32) {
    return matvec(w, x);
  }
  return ref_kernel_matvec(*w.source, x);
}

// Rotates one head x[head_dim] for position pos. Pair i (i < n_dims / 2) is rotated by
//   theta_i = (pos / linear_factor) * base^(-2i / n_dims) / freq_factors[i]
// kNorm pairs (x[2i], x[2i+1]) (ggml rope mode 0); kNeox pairs (x[i], x[i + n_dims/2]) (ggml
// NEOX mode, Hugging Face's rotate_half). Dims >= n_dims are left as they are.
void ReferenceModel::rope(double* x, int64_t pos) const {
  const RopeConfig& rc = config_.rope;
  const int64_t n_dims = rc.n_dims > 0 ? rc.n_dims : config_.head_dim;
  const int64_t half = n_dims / 2;
  double p = static_cast<double>(pos);
  if (rc.scaling == RopeScaling::kLinear) p /= static_cast<double>(rc.linear_factor);
  for (int64_t i = 0; i < half; ++i) {
    double theta = p * std::pow(static_cast<double>(rc.theta),
                                -2.0 * static_cast<double>(i) / static_cast<double>(n_dims));
    if (!rc.freq_factors.empty()) theta /= static_cast<double>(rc.freq_factors[static_cast<size_t>(i)]);
    const double c = std::cos(theta), s = std::sin(theta);
    const int64_t i0 = rc.style == RopeStyle::kNorm ? 2 * i : i;
    const int64_t i1 = rc.style == RopeStyle::kNorm ? 2 * i + 1 : i + half;
    const double x0 = x[i0], x1 = x[i1];
    x[i0] = x0 * c - x1 * s;
    x[i1] = x0 * s + x1 * c;
  }
}

std::vector<double> ReferenceModel::forward(std::span<const int32_t> tokens) const {
  const ModelConfig& c = config_;
  const int64_t n_tokens = static_cast<int64_t>(tokens.size());
  const int64_t n_embd = c.n_embd, head_dim = c.head_dim;
  const int64_t n_head = c.n_head, n_head_kv = c.n_head_kv;
  const int64_t group = n_head / n_head_kv;  // query heads per kv head
  const double eps = static_cast<double>(c.rms_eps);
  const double kq_scale = 1.0 / std::sqrt(static_cast<double>(head_dim));

  // x[t] = tok_embd[tokens[t]]: residual stream [n_tokens][n_embd]
  std::vector<std::vector<double>> x(static_cast<size_t>(n_tokens));
  for (int64_t t = 0; t < n_tokens; ++t) {
    const int32_t token = tokens[static_cast<size_t>(t)];
    PRIMER_CHECK(token >= 0 && token < c.n_vocab);
    x[static_cast<size_t>(t)].assign(tok_embd_.row(token), tok_embd_.row(token) + n_embd);
  }

  for (const RefLayer& l : layers_) {
    // Keys and values of every position of this layer: [n_tokens][n_head_kv * head_dim].
    std::vector<std::vector<double>> q(static_cast<size_t>(n_tokens));
    std::vector<std::vector<double>> k(static_cast<size_t>(n_tokens));
    std::vector<std::vector<double>> v(static_cast<size_t>(n_tokens));
    for (int64_t t = 0; t < n_tokens; ++t) {
      const size_t ts = static_cast<size_t>(t);
      std::vector<double> h = x[ts];
      rms_norm(h.data(), n_embd, l.attn_norm, eps);
      q[ts] = project(l.wq, h);  // [n_head * head_dim]
      k[ts] = project(l.wk, h);  // [n_head_kv * head_dim]
      v[ts] = project(l.wv, h);  // [n_head_kv * head_dim]
      add_in_place(q[ts], l.bq);
      add_in_place(k[ts], l.bk);
      add_in_place(v[ts], l.bv);
      for (int64_t hd = 0; hd < n_head; ++hd) {
        double* qh = q[ts].data() + hd * head_dim;
        if (!l.q_norm.empty()) rms_norm(qh, head_dim, l.q_norm, eps);
        rope(qh, t);
      }
      for (int64_t hd = 0; hd < n_head_kv; ++hd) {
        double* kh = k[ts].data() + hd * head_dim;
        if (!l.k_norm.empty()) rms_norm(kh, head_dim, l.k_norm, eps);
        rope(kh, t);
      }
    }

    for (int64_t t = 0; t < n_tokens; ++t) {
      const size_t ts = static_cast<size_t>(t);
      std::vector<double> attn(static_cast<size_t>(n_head * head_dim), 0.0);  // [n_head * head_dim]
      std::vector<double> scores(static_cast<size_t>(t + 1));                 // [t + 1]
      for (int64_t hd = 0; hd < n_head; ++hd) {
        const int64_t kv_head = hd / group;
        const double* qh = q[ts].data() + hd * head_dim;
        double max_score = -INFINITY;
        for (int64_t s = 0; s <= t; ++s) {
          const double* kh = k[static_cast<size_t>(s)].data() + kv_head * head_dim;
          double dot = 0;
          for (int64_t d = 0; d < head_dim; ++d) dot += qh[d] * kh[d];
          scores[static_cast<size_t>(s)] = dot * kq_scale;
          max_score = std::max(max_score, scores[static_cast<size_t>(s)]);
        }
        double denom = 0;
        for (double& sc : scores) {
          sc = std::exp(sc - max_score);
          denom += sc;
        }
        double* out = attn.data() + hd * head_dim;
        for (int64_t s = 0; s <= t; ++s) {
          const double p = scores[static_cast<size_t>(s)] / denom;
          const double* vh = v[static_cast<size_t>(s)].data() + kv_head * head_dim;
          for (int64_t d = 0; d < head_dim; ++d) out[d] += p * vh[d];
        }
      }
      add_in_place(x[ts], project(l.wo, attn));
    }

    for (int64_t t = 0; t < n_tokens; ++t) {
      const size_t ts = static_cast<size_t>(t);
      std::vector<double> h = x[ts];
      rms_norm(h.data(), n_embd, l.ffn_norm, eps);
      std::vector<double> gate = project(l.ffn_gate, h);  // [n_ff]
      const std::vector<double> up = project(l.ffn_up, h);  // [n_ff]
      for (size_t i = 0; i < gate.size(); ++i) gate[i] = silu(gate[i]) * up[i];
      add_in_place(x[ts], project(l.ffn_down, gate));
    }
  }

  std::vector<double> logits(static_cast<size_t>(n_tokens * c.n_vocab));  // [n_tokens][n_vocab]
  for (int64_t t = 0; t < n_tokens; ++t) {
    std::vector<double> h = x[static_cast<size_t>(t)];
    rms_norm(h.data(), n_embd, output_norm_, eps);
    const std::vector<double> row = project(output_, h);
    std::copy(row.begin(), row.end(), logits.begin() + t * c.n_vocab);
  }
  return logits;
}

LogitDiff compare_logits(std::span<const float> actual, std::span<const double> expected) {
  PRIMER_CHECK(actual.size() == expected.size());
  LogitDiff d;
  double sum_sq_diff = 0, sum_sq_ref = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double diff = static_cast<double>(actual[i]) - expected[i];
    d.max_abs = std::max(d.max_abs, std::abs(diff));
    d.max_ref = std::max(d.max_ref, std::abs(expected[i]));
    sum_sq_diff += diff * diff;
    sum_sq_ref += expected[i] * expected[i];
  }
  d.rel_rms = sum_sq_ref > 0 ? std::sqrt(sum_sq_diff / sum_sq_ref) : std::sqrt(sum_sq_diff);
  return d;
}

LogitDiff compare_rows(std::span<const float> actual, std::span<const double> expected,
                       int64_t n_cols) {
  LogitDiff d = compare_logits(actual, expected);
  PRIMER_CHECK(n_cols > 0 && expected.size() % static_cast<size_t>(n_cols) == 0);
  const size_t cols = static_cast<size_t>(n_cols);
  for (size_t r = 0; r < expected.size() / cols; ++r) {
    const auto a = actual.subspan(r * cols, cols);
    const auto e = expected.subspan(r * cols, cols);
    if (std::max_element(a.begin(), a.end()) - a.begin() !=
        std::max_element(e.begin(), e.end()) - e.begin()) {
      ++d.argmax_mismatches;
    }
  }
  return d;
}

}  // namespace primer::testing
