// The fused output head: for chunks of target rows, logits = xnf W_out^T, then per row the
// cross-entropy (and the distillation KL), the gradient written over the logits in place, and the
// two products that carry it back (d xnf = dlogits W_out, dW_out += dlogits^T xnf). The logits of
// the whole batch never exist at once, and rows without a target cost nothing.
//
// Per target row with logits z (V), target y, teacher top-k (ids I, log-probs l), weight a,
// temperature tau, reverse share rho (kForward: 0, kReverse: 1):
//   p = softmax(z);  CE = -log p[y]
//   s = log_softmax(z / tau);  S = exp(s)
//   forward:  q = softmax(l / tau) over the k entries;  KLf = sum_j q_j (log q_j - s[I_j])
//   reverse:  teacher log-probs at T = 1: l on I, c = log(max(1 - sum exp(l), 1e-6) / (V - k)) elsewhere;
//             t = log_softmax(. / tau) of that over V;  KLr = sum_v S_v (s_v - t_v)
//   KL = (1 - rho) KLf + rho KLr;  loss = (1 - a) CE + a tau^2 KL
// Gradients (g = grad_scale / n_targets):
//   dCE/dz = p - onehot(y)
//   dKLf/dz_v = (S_v - sum_j q_j [v = I_j]) / tau
//   dKLr/dz_v = S_v (s_v - t_v - KLr) / tau
#include <algorithm>
#include <cmath>
#include <cstring>

#include "train/trainer_impl.h"
#include "train/vec_math.h"

namespace primer::train {

namespace {

struct RowLoss {
  double ce = 0;
  double kl = 0;
};

struct HeadParams {
  int64_t V = 0;
  float a = 0;       // distill weight (0: plain cross-entropy)
  float tau = 1;
  float rho = 0;     // reverse share
  float g = 0;       // gradient scale per row
  bool backward = false;
};

constexpr int kLanes = 16;  // independent partial results, so the loops vectorise

PRIMER_TRAIN_CLONES float max_of(const float* z, int64_t n) {
  float lane[kLanes];
  for (int j = 0; j < kLanes; ++j) lane[j] = z[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lane[j] = z[i + j] > lane[j] ? z[i + j] : lane[j];
  }
  float mx = lane[0];
  for (int j = 1; j < kLanes; ++j) mx = lane[j] > mx ? lane[j] : mx;
  for (; i < n; ++i) mx = z[i] > mx ? z[i] : mx;
  return mx;
}

// sum_i exp(z_i * scale - shift)
PRIMER_TRAIN_CLONES double sum_exp(const float* z, int64_t n, float scale, float shift) {
  float lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lane[j] += exp_fast(z[i + j] * scale - shift);
  }
  double sum = 0;
  for (int j = 0; j < kLanes; ++j) sum += lane[j];
  for (; i < n; ++i) sum += exp_fast(z[i] * scale - shift);
  return sum;
}

// sum_i S_i (s_i - t) with s_i = z_i * scale - lse, S = exp(s)
PRIMER_TRAIN_CLONES double sum_p_log_ratio(const float* z, int64_t n, float scale, float lse, float t) {
  float lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float s = z[i + j] * scale - lse;
      lane[j] += exp_fast(s) * (s - t);
    }
  }
  double sum = 0;
  for (int j = 0; j < kLanes; ++j) sum += lane[j];
  for (; i < n; ++i) {
    const float s = z[i] * scale - lse;
    sum += exp_fast(s) * (s - t);
  }
  return sum;
}

// z_i <- w_ce * exp(z_i - lse) + (w_f + w_r * (s_i - t - kl)) * exp(s_i), s_i = z_i * scale - lse_s
PRIMER_TRAIN_CLONES void write_grad(float* z, int64_t n, float lse, float w_ce, float scale, float lse_s, float w_f,
                                    float w_r, float t, float kl) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = z[i] * scale - lse_s;
    z[i] = w_ce * exp_fast(z[i] - lse) + (w_f + w_r * (s - t - kl)) * exp_fast(s);
  }
}

PRIMER_TRAIN_CLONES void write_softmax(float* z, int64_t n, float lse, float w) {
  for (int64_t i = 0; i < n; ++i) z[i] = w * exp_fast(z[i] - lse);
}

double log_sum_exp_scaled(const float* z, int64_t n, float inv_tau, float* max_out) {
  const float mxs = max_of(z, n) * inv_tau;
  *max_out = mxs;
  return mxs + std::log(sum_exp(z, n, inv_tau, mxs));
}

// Loss of one row; with hp.backward, z is overwritten by g * d(loss)/dz.
RowLoss row_loss(float* z, int32_t y, const int32_t* ids, const float* l, int k, const HeadParams& hp) {
  RowLoss out;
  const int64_t V = hp.V;
  float unused;
  const double lse = log_sum_exp_scaled(z, V, 1.0f, &unused);
  out.ce = lse - z[y];
  if (hp.a <= 0.0f) {
    if (hp.backward) {
      write_softmax(z, V, static_cast<float>(lse), hp.g);
      z[y] -= hp.g;
    }
    return out;
  }
  const float inv_tau = 1.0f / hp.tau;
  const double lseu = log_sum_exp_scaled(z, V, inv_tau, &unused);
  const float lseu_f = static_cast<float>(lseu);
  auto s_of = [&](float zv) { return zv * inv_tau - lseu_f; };

  // Teacher, forward direction: q over the k entries.
  double kl_f = 0, kl_r = 0;
  float lmax = l[0];
  for (int j = 1; j < k; ++j) lmax = std::max(lmax, l[j]);
  double qsum = 0, pmass = 0;
  for (int j = 0; j < k; ++j) {
    qsum += std::exp((l[j] - lmax) * inv_tau);
    pmass += std::exp(static_cast<double>(l[j]));
  }
  const double log_qsum = std::log(qsum);
  auto log_q = [&](int j) { return (l[j] - lmax) * inv_tau - log_qsum; };
  for (int j = 0; j < k; ++j) kl_f += std::exp(log_q(j)) * (log_q(j) - s_of(z[ids[j]]));

  // Teacher, reverse direction: full distribution with the tail spread uniformly.
  const int64_t n_tail = V - k;
  double t_tail = 0;
  double t_top[kMaxTeacherTopK];
  if (hp.rho > 0.0f) {
    const double c = n_tail > 0 ? std::log(std::max(1.0 - pmass, 1e-6) / static_cast<double>(n_tail)) : 0.0;
    double m = n_tail > 0 ? c * inv_tau + std::log(static_cast<double>(n_tail)) : -INFINITY;
    for (int j = 0; j < k; ++j) m = std::max(m, static_cast<double>(l[j]) * inv_tau);
    double sum = n_tail > 0 ? std::exp(c * inv_tau + std::log(static_cast<double>(n_tail)) - m) : 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(l[j]) * inv_tau - m);
    const double lse_t = m + std::log(sum);
    t_tail = c * inv_tau - lse_t;
    for (int j = 0; j < k; ++j) t_top[j] = static_cast<double>(l[j]) * inv_tau - lse_t;
    // sum_v S_v (s_v - t_tail), then the teacher's own entries corrected to t_top.
    double ss = n_tail > 0 ? sum_p_log_ratio(z, V, inv_tau, lseu_f, static_cast<float>(t_tail)) : 0.0;
    for (int j = 0; j < k; ++j) {
      const float sv = s_of(z[ids[j]]);
      ss += std::exp(sv) * (n_tail > 0 ? t_tail - t_top[j] : sv - t_top[j]);
    }
    kl_r = ss;
  }
  out.kl = (1.0 - hp.rho) * kl_f + hp.rho * kl_r;
  if (!hp.backward) return out;

  // Gradient, written over z (read each z before overwriting it; teacher entries corrected after).
  const float lse_f = static_cast<float>(lse);
  const float w_ce = hp.g * (1.0f - hp.a);
  const float w_kl = hp.g * hp.a * hp.tau;
  const float w_f = w_kl * (1.0f - hp.rho), w_r = w_kl * hp.rho;
  const float tt = static_cast<float>(t_tail), klr = static_cast<float>(kl_r);
  float s_top[kMaxTeacherTopK];  // student s at the teacher's ids, before z changes
  for (int j = 0; j < k; ++j) s_top[j] = s_of(z[ids[j]]);
  write_grad(z, V, lse_f, w_ce, inv_tau, lseu_f, w_f, w_r, tt, klr);
  z[y] -= w_ce;
  for (int j = 0; j < k; ++j) {
    z[ids[j]] -= w_f * static_cast<float>(std::exp(log_q(j)));
    if (w_r != 0.0f && n_tail > 0) z[ids[j]] += w_r * std::exp(s_top[j]) * static_cast<float>(t_tail - t_top[j]);
  }
  return out;
}

}  // namespace

StepStats Trainer::Impl::loss_head(const BatchView& batch, const LossConfig& loss, float grad_scale, bool backward) {
  const int64_t N = batch.n_seq * T;
  target_rows.clear();
  for (int64_t r = 0; r < N; ++r) {
    const int32_t y = batch.targets[r];
    PRIMER_CHECK(y < V);
    if (y >= 0) target_rows.push_back(r);
  }
  if (backward) std::memset(dxn, 0, static_cast<size_t>(N * D) * sizeof(float));
  StepStats stats;
  const int64_t n_t = static_cast<int64_t>(target_rows.size());
  stats.n_targets = n_t;
  if (n_t == 0) return stats;

  const bool distill = batch.teacher != nullptr && batch.teacher->k > 0 && loss.distill_weight > 0.0f;
  HeadParams hp;
  hp.V = V;
  hp.a = distill ? loss.distill_weight : 0.0f;
  hp.tau = loss.temperature;
  hp.rho = !distill ? 0.0f : loss.kl == KlDirection::kForward ? 0.0f : loss.kl == KlDirection::kReverse ? 1.0f : loss.reverse_share;
  hp.g = grad_scale / static_cast<float>(n_t);
  hp.backward = backward;
  PRIMER_CHECK(!distill || (hp.tau > 0.0f && batch.teacher->k <= V && batch.teacher->k <= kMaxTeacherTopK));
  const float* W = model.param(*output);
  float* dW = model.grad(*output);

  for (int64_t c0 = 0; c0 < n_t; c0 += head_rows) {
    const int64_t R = std::min(head_rows, n_t - c0);
    for (int64_t i = 0; i < R; ++i) {
      std::memcpy(head_x + i * D, xnf + target_rows[c0 + i] * D, static_cast<size_t>(D) * sizeof(float));
    }
    gemm(pool, false, true, R, V, D, 1.0f, head_x, D, W, D, 0.0f, head_logits, V);
    pool.parallel_for(static_cast<size_t>(R), 1, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) {
        const int64_t row = target_rows[c0 + static_cast<int64_t>(i)];
        const int k = distill ? batch.teacher->k : 0;
        const int32_t* ids = distill ? batch.teacher->ids + row * k : nullptr;
        const float* l = distill ? batch.teacher->logprobs + row * k : nullptr;
        const RowLoss rl = row_loss(head_logits + static_cast<int64_t>(i) * V, batch.targets[row], ids, l, k, hp);
        row_ce[c0 + static_cast<int64_t>(i)] = rl.ce;
        row_kl[c0 + static_cast<int64_t>(i)] = rl.kl;
      }
    });
    if (!backward) continue;
    gemm(pool, false, false, R, D, V, 1.0f, head_logits, V, W, D, 0.0f, head_dx, D);
    for (int64_t i = 0; i < R; ++i) {
      std::memcpy(dxn + target_rows[c0 + i] * D, head_dx + i * D, static_cast<size_t>(D) * sizeof(float));
    }
    gemm(pool, true, false, V, D, R, 1.0f, head_logits, V, head_x, D, 1.0f, dW, D);
  }
  double ce = 0, kl = 0;
  for (int64_t i = 0; i < n_t; ++i) {
    ce += row_ce[i];
    kl += row_kl[i];
  }
  stats.cross_entropy = ce / static_cast<double>(n_t);
  stats.kl = distill ? kl / static_cast<double>(n_t) : 0.0;
  stats.loss = distill ? (1.0 - hp.a) * stats.cross_entropy + hp.a * hp.tau * hp.tau * stats.kl : stats.cross_entropy;
  return stats;
}

}  // namespace primer::train
