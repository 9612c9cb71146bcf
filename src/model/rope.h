#pragma once
// Rotary position embedding. For a position p and pair index i < n_dims / 2:
//   theta_i = (p / linear_factor) * theta_base^(-2i / n_dims) / freq_factors[i]
// kNorm rotates the pair (x[2i], x[2i+1]), kNeox the pair (x[i], x[i + n_dims/2]); dims past
// n_dims are left as they are. Angles are computed in double, once per token and reused by every
// head and layer.

#include <cstdint>
#include <vector>

#include "primer/model.h"

namespace primer::model {

class Rope {
 public:
  void init(const RopeConfig& config, int64_t n_tokens_max);
  // Computes cos/sin for positions pos[0..n_tokens).
  void prepare(const int64_t* pos, int64_t n_tokens);
  // Rotates n_heads heads of head_dim floats at x (heads contiguous) for token t.
  void apply(float* x, int64_t n_heads, int64_t head_dim, int64_t t) const;

 private:
  RopeStyle style_ = RopeStyle::kNorm;
  int64_t half_ = 0;                 // n_dims / 2
  std::vector<double> inv_freq_;     // [half_]
  double pos_scale_ = 1.0;
  std::vector<float> cos_, sin_;     // [n_tokens_max][half_]
};

}  // namespace primer::model
