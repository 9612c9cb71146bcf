#include "model/kv_cache.h"

#include <cstring>
#include <new>

namespace primer::model {

Result<KvCache> KvCache::create(int64_t n_layer, int n_seq, int64_t n_ctx, int64_t kv_dim,
                                QuantType type) {
  if (type != QuantType::kF16 && type != QuantType::kF32) {
    return make_error("[kv-cache] unsupported cache type %u (use f16 or f32)",
                      static_cast<unsigned>(type));
  }
  KvCache c;
  c.type_ = type;
  c.n_layer_ = n_layer;
  c.n_seq_ = n_seq;
  c.n_ctx_ = n_ctx;
  c.kv_dim_ = kv_dim;
  const double bytes = static_cast<double>(n_layer) * n_seq * n_ctx * 2 * kv_dim * c.elem_bytes();
  if (bytes > 256.0 * (1ull << 30)) {
    return make_error("[kv-cache] %.1f GiB for %lld layers x %d sequences x %lld positions is too "
                      "large; lower --ctx or --parallel",
                      bytes / (1ull << 30), static_cast<long long>(n_layer), n_seq,
                      static_cast<long long>(n_ctx));
  }
  try {
    // Zero-filled so unused positions never hold NaN bit patterns.
    c.data_.assign(static_cast<size_t>(bytes), 0);
  } catch (const std::bad_alloc&) {
    return make_error("[kv-cache] cannot allocate %.1f MiB", bytes / (1 << 20));
  }
  return c;
}

void KvCache::copy_seq(int src, int dst, int64_t n) {
  if (src == dst || n <= 0) return;
  for (int64_t il = 0; il < n_layer_; ++il) {
    std::memcpy(k(il, dst, 0), k(il, src, 0), static_cast<size_t>(n) * row_bytes());
    std::memcpy(v(il, dst, 0), v(il, src, 0), static_cast<size_t>(n) * row_bytes());
  }
}

}  // namespace primer::model
