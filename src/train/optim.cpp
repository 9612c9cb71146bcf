// AdamW, global-norm gradient clipping and the warm-up + cosine learning-rate schedule.
#include <cmath>

#include "primer/train.h"

namespace primer::train {

AdamW::AdamW(const TrainModel& model, AdamWConfig config)
    : config_(config), m_(model.n_params(), 0.0f), v_(model.n_params(), 0.0f) {
  for (const ParamInfo& t : model.tensors()) decay_.push_back(t.matrix ? 1 : 0);
}

// PyTorch's torch.optim.AdamW (foreach=False) step, element by element:
//   p -= lr * wd * p                      (decayed tensors only)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
void AdamW::step(TrainModel& model, float lr, ThreadPool& pool) {
  ++t_;
  const double bc1 = 1.0 - std::pow(static_cast<double>(config_.beta1), static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(static_cast<double>(config_.beta2), static_cast<double>(t_));
  const float step_size = static_cast<float>(lr / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float b1 = config_.beta1, b2 = config_.beta2, eps = config_.eps;
  const auto& tensors = model.tensors();
  for (size_t ti = 0; ti < tensors.size(); ++ti) {
    const ParamInfo& t = tensors[ti];
    float* p = model.param(t);
    const float* g = model.grad(t);
    float* m = m_.data() + t.offset;
    float* v = v_.data() + t.offset;
    const float decay = decay_[ti] ? 1.0f - lr * config_.weight_decay : 1.0f;
    pool.parallel_for(t.size(), 4096, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) {
        const float gi = g[i];
        const float mi = b1 * m[i] + (1.0f - b1) * gi;
        const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const float denom = std::sqrt(vi) / bc2_sqrt + eps;
        p[i] = p[i] * decay - step_size * mi / denom;
      }
    });
  }
}

double clip_grad_norm(TrainModel& model, float max_norm, ThreadPool& pool) {
  std::span<float> g = model.grads();
  constexpr size_t kBlock = 1 << 16;
  const size_t n_blocks = (g.size() + kBlock - 1) / kBlock;
  std::vector<double> partial(n_blocks, 0.0);  // fixed blocks: the sum does not depend on threads
  pool.parallel_for(n_blocks, 1, [&](size_t begin, size_t end, int) {
    for (size_t b = begin; b < end; ++b) {
      double s = 0;
      const size_t hi = std::min(g.size(), (b + 1) * kBlock);
      for (size_t i = b * kBlock; i < hi; ++i) s += static_cast<double>(g[i]) * g[i];
      partial[b] = s;
    }
  });
  double sum = 0;
  for (double s : partial) sum += s;
  const double norm = std::sqrt(sum);
  if (!std::isfinite(norm)) return norm;
  if (max_norm > 0 && norm > max_norm) {
    // torch.nn.utils.clip_grad_norm_: g *= max_norm / (norm + 1e-6)
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
    pool.parallel_for(g.size(), 1 << 14, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) g[i] *= scale;
    });
  }
  return norm;
}

float lr_at(int64_t step, int64_t warmup_steps, int64_t total_steps, float lr_max, float lr_min) {
  if (step < warmup_steps) {
    return lr_max * static_cast<float>(step + 1) / static_cast<float>(warmup_steps);
  }
  if (total_steps <= warmup_steps) return lr_max;
  double progress = static_cast<double>(step - warmup_steps) / static_cast<double>(total_steps - warmup_steps);
  progress = std::min(1.0, std::max(0.0, progress));
  const double cosine = 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress));
  return static_cast<float>(lr_min + (lr_max - lr_min) * cosine);
}

}  // namespace primer::train
