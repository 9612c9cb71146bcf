// Reference Q5_0R (Q5_0 repacked row-wise; layout in blocks.h): every function moves blocks
// between the repacked row and plain BlockQ5_0s and reuses Q5_0's reference math, so results are
// bit-identical to Q5_0's on the same data.
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/ref/ref.h"
#include "primer/error.h"

namespace primer::kern::ref {
namespace {

bool is_single(int64_t nb, int64_t b) { return b == nb - 1 && nb % 2 == 1; }

}  // namespace

// Pair layout (blocks.h): qs byte 8g + 4s + i is byte 4g + i of block s's qs (g < 4, i < 4); qh
// word nibble 2g + s is nibble g of block s's qh (g < 8).
void q5_0r_get_block(const uint8_t* row, int64_t nb, int64_t b, BlockQ5_0* out) {
  std::memcpy(&out->d, row + 2 * b, 2);
  const uint8_t* qs = row + q5_0r_qs_offset(nb) + 16 * b;  // the pair's start for b even
  const uint8_t* qh = row + q5_0r_qh_offset(nb) + 4 * b;
  if (is_single(nb, b)) {
    std::memcpy(out->qs, qs, 16);
    std::memcpy(out->qh, qh, 4);
    return;
  }
  const int s = static_cast<int>(b % 2);
  qs -= 16 * s;
  qh -= 4 * s;
  for (int g = 0; g < 4; ++g) std::memcpy(out->qs + 4 * g, qs + 8 * g + 4 * s, 4);
  uint64_t word;
  std::memcpy(&word, qh, 8);
  const uint32_t h = q5_0r_gather_nibbles(word >> (4 * s));
  std::memcpy(out->qh, &h, 4);
}

void q5_0r_put_block(uint8_t* row, int64_t nb, int64_t b, const BlockQ5_0& in) {
  std::memcpy(row + 2 * b, &in.d, 2);
  uint8_t* qs = row + q5_0r_qs_offset(nb) + 16 * b;
  uint8_t* qh = row + q5_0r_qh_offset(nb) + 4 * b;
  if (is_single(nb, b)) {
    std::memcpy(qs, in.qs, 16);
    std::memcpy(qh, in.qh, 4);
    return;
  }
  const int s = static_cast<int>(b % 2);
  qs -= 16 * s;
  qh -= 4 * s;
  for (int g = 0; g < 4; ++g) std::memcpy(qs + 8 * g + 4 * s, in.qs + 4 * g, 4);
  uint32_t h;
  std::memcpy(&h, in.qh, 4);
  uint64_t word;  // merged: the other block's nibbles stay
  std::memcpy(&word, qh, 8);
  const uint64_t mine = 0x0f0f0f0f0f0f0f0full << (4 * s);
  word = (word & ~mine) | q5_0r_spread_nibbles(h) << (4 * s);
  std::memcpy(qh, &word, 8);
}

void to_float_q5_0r(const void* x, float* y, int64_t n) {
  PRIMER_CHECK(n % kQK5_0 == 0);
  const auto* row = static_cast<const uint8_t*>(x);
  const int64_t nb = n / kQK5_0;
  for (int64_t b = 0; b < nb; ++b) {
    BlockQ5_0 blk;
    q5_0r_get_block(row, nb, b, &blk);
    to_float_q5_0(&blk, y + b * kQK5_0, kQK5_0);
  }
}

void from_float_q5_0r(const float* x, void* y, int64_t n) {
  PRIMER_CHECK(n % kQK5_0 == 0);
  auto* row = static_cast<uint8_t*>(y);
  const int64_t nb = n / kQK5_0;
  std::memset(row + q5_0r_qh_offset(nb), 0, static_cast<size_t>(4 * nb));  // put_block merges qh
  for (int64_t b = 0; b < nb; ++b) {
    BlockQ5_0 blk;
    from_float_q5_0(x + b * kQK5_0, &blk, kQK5_0);
    q5_0r_put_block(row, nb, b, blk);
  }
}

float vec_dot_q5_0r_q8_0(int64_t n, const void* w, const void* a) {
  PRIMER_CHECK(n % kQK5_0 == 0);
  const auto* row = static_cast<const uint8_t*>(w);
  const auto* q = static_cast<const BlockQ8_0*>(a);
  const int64_t nb = n / kQK5_0;
  // Block by block in Q5_0's order: the same float additions as vec_dot_q5_0_q8_0.
  float sum = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    BlockQ5_0 blk;
    q5_0r_get_block(row, nb, b, &blk);
    sum += vec_dot_q5_0_q8_0(kQK5_0, &blk, q + b);
  }
  return sum;
}

}  // namespace primer::kern::ref
