// Row repacking between file layouts and the internal ones (include/primer/repack.h). A pair of
// Q5_0 blocks is moved as whole fields (blocks.h: qs dwords interleaved, qh nibbles interleaved);
// the reference block movers of ref/q5_0r.cpp handle an odd last block.
#include "primer/repack.h"

#include <cstring>

#include "kernels/blocks.h"
#include "kernels/ref/ref.h"
#include "primer/error.h"

namespace primer {

using kern::BlockQ5_0;

void repack_q5_0_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, int64_t n_cols) {
  PRIMER_CHECK(n_cols % kern::kQK5_0 == 0 && n_rows >= 0);
  const int64_t nb = n_cols / kern::kQK5_0;
  const auto row_bytes = static_cast<size_t>(nb) * sizeof(BlockQ5_0);
  for (int64_t r = 0; r < n_rows; ++r) {
    const auto* in = reinterpret_cast<const BlockQ5_0*>(src + static_cast<size_t>(r) * row_bytes);
    uint8_t* out = dst + static_cast<size_t>(r) * row_bytes;
    uint8_t* qh = out + kern::q5_0r_qh_offset(nb);
    uint8_t* qs = out + kern::q5_0r_qs_offset(nb);
    for (int64_t b = 0; b + 1 < nb; b += 2, qh += 8, qs += 32) {
      std::memcpy(out + 2 * b, &in[b].d, 2);
      std::memcpy(out + 2 * b + 2, &in[b + 1].d, 2);
      for (int g = 0; g < 4; ++g) {
        std::memcpy(qs + 8 * g, in[b].qs + 4 * g, 4);
        std::memcpy(qs + 8 * g + 4, in[b + 1].qs + 4 * g, 4);
      }
      uint32_t h0, h1;
      std::memcpy(&h0, in[b].qh, 4);
      std::memcpy(&h1, in[b + 1].qh, 4);
      const uint64_t word = kern::q5_0r_spread_nibbles(h0) | kern::q5_0r_spread_nibbles(h1) << 4;
      std::memcpy(qh, &word, 8);
    }
    if (nb % 2 == 1) kern::ref::q5_0r_put_block(out, nb, nb - 1, in[nb - 1]);
  }
}

void unpack_q5_0r_rows(const uint8_t* src, uint8_t* dst, int64_t n_rows, int64_t n_cols) {
  PRIMER_CHECK(n_cols % kern::kQK5_0 == 0 && n_rows >= 0);
  const int64_t nb = n_cols / kern::kQK5_0;
  const auto row_bytes = static_cast<size_t>(nb) * sizeof(BlockQ5_0);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* in = src + static_cast<size_t>(r) * row_bytes;
    auto* out = reinterpret_cast<BlockQ5_0*>(dst + static_cast<size_t>(r) * row_bytes);
    for (int64_t b = 0; b < nb; ++b) kern::ref::q5_0r_get_block(in, nb, b, &out[b]);
  }
}

}  // namespace primer
