#include "model/rope.h"

#include <cmath>

namespace primer::model {

void Rope::init(const RopeConfig& config, int64_t n_tokens_max) {
  style_ = config.style;
  half_ = config.n_dims / 2;
  inv_freq_.resize(static_cast<size_t>(half_));
  for (int64_t i = 0; i < half_; ++i) {
    double f = std::pow(static_cast<double>(config.theta),
                        -2.0 * static_cast<double>(i) / static_cast<double>(config.n_dims));
    if (!config.freq_factors.empty()) f /= config.freq_factors[static_cast<size_t>(i)];
    inv_freq_[static_cast<size_t>(i)] = f;
  }
  pos_scale_ = config.scaling == RopeScaling::kLinear && config.linear_factor > 0
                   ? 1.0 / config.linear_factor
                   : 1.0;
  cos_.assign(static_cast<size_t>(n_tokens_max * half_), 0.0f);
  sin_.assign(static_cast<size_t>(n_tokens_max * half_), 0.0f);
}

void Rope::prepare(const int64_t* pos, int64_t n_tokens) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    const double p = static_cast<double>(pos[t]) * pos_scale_;
    for (int64_t i = 0; i < half_; ++i) {
      const double a = p * inv_freq_[static_cast<size_t>(i)];
      cos_[static_cast<size_t>(t * half_ + i)] = static_cast<float>(std::cos(a));
      sin_[static_cast<size_t>(t * half_ + i)] = static_cast<float>(std::sin(a));
    }
  }
}

void Rope::apply(float* x, int64_t n_heads, int64_t head_dim, int64_t t) const {
  const float* c = cos_.data() + t * half_;
  const float* s = sin_.data() + t * half_;
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    if (style_ == RopeStyle::kNorm) {
      for (int64_t i = 0; i < half_; ++i) {
        const float a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * c[i] - b * s[i];
        v[2 * i + 1] = a * s[i] + b * c[i];
      }
    } else {
      for (int64_t i = 0; i < half_; ++i) {
        const float a = v[i], b = v[i + half_];
        v[i] = a * c[i] - b * s[i];
        v[i + half_] = a * s[i] + b * c[i];
      }
    }
  }
}

}  // namespace primer::model
