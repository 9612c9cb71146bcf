#pragma once
// gemm_tile as a plain loop over a row dot product: the GemmTileFn of types without a
// register-blocked micro-kernel. Instantiated per level with that level's vec_dot (distinct
// template arguments, so no ODR clash between instruction sets).
#include <cstddef>
#include <cstdint>

#include "primer/quant.h"

namespace primer::kern {

// out[r * out_stride + c] = VecDot(n, w + r * w_stride, a + c * a_stride); strides in bytes
// (out_stride in floats).
template <VecDotFn VecDot>
void gemm_generic(int64_t n, const void* w, size_t w_stride, int nr, const void* a,
                  size_t a_stride, int nc, float* out, size_t out_stride) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(a);
  for (int r = 0; r < nr; ++r) {
    for (int c = 0; c < nc; ++c) {
      out[static_cast<size_t>(r) * out_stride + static_cast<size_t>(c)] =
          VecDot(n, wb + static_cast<size_t>(r) * w_stride, ab + static_cast<size_t>(c) * a_stride);
    }
  }
}

}  // namespace primer::kern
