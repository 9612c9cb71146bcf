#include "model/matmul.h"

#include <algorithm>
#include <cstring>

#include "primer/kernels.h"
#include "primer/quant.h"

namespace primer::model {
namespace {

constexpr int64_t kRowBlockMax = 64;    // weight rows per tile (stays in L2)
constexpr int64_t kTokenBlock = 64;     // activation rows per tile

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

void Matmul::reserve(const ModelWeights& weights, int64_t n_tokens, int64_t n_in_max,
                     int64_t max_elements, int n_threads) {
  n_tokens_max_ = n_tokens;
  n_in_max_ = n_in_max;
  max_elements_ = max_elements;
  n_threads_ = std::max(1, n_threads);
  auto want = [&](const WeightTensor& w) {
    if (!w.present()) return;
    const QuantTypeTraits* t = quant_type_traits(w.type);
    PRIMER_CHECK(t != nullptr);
    if (buffer_for(t->dot_type) != nullptr) return;
    const QuantTypeTraits* dt = quant_type_traits(t->dot_type);
    ActBuffer b;
    b.type = t->dot_type;
    // Worst case over runs: max_elements plus each row's rounding up to the block size.
    const int64_t n = ceil_div(max_elements, dt->block_size) * dt->block_size +
                      n_tokens * static_cast<int64_t>(dt->block_size);
    b.data.resize(static_cast<size_t>(quant_row_bytes(*dt, static_cast<uint64_t>(n))));
    acts_.push_back(std::move(b));
  };
  want(weights.output);
  for (const LayerWeights& l : weights.layers) {
    for (const WeightTensor* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) want(*w);
  }
  tiles_.assign(static_cast<size_t>(n_threads_) * kRowBlockMax * kTokenBlock, 0.0f);
}

Matmul::ActBuffer* Matmul::buffer_for(QuantType dot_type) {
  for (ActBuffer& b : acts_) {
    if (b.type == dot_type) return &b;
  }
  return nullptr;
}

void Matmul::run(std::span<const MatJob> jobs, const float* x, int64_t x_stride,
                 int64_t n_tokens, int64_t n_in, ThreadPool& pool) {
  PRIMER_CHECK(n_tokens >= 1 && n_tokens <= n_tokens_max_ && n_in <= n_in_max_ &&
               n_tokens * n_in <= max_elements_);
  PRIMER_CHECK(pool.size() <= n_threads_);
  const KernelSet& ks = kernels();

  // 1. Quantize the activations once per distinct dot type.
  for (ActBuffer& b : acts_) b.ready = false;
  for (const MatJob& job : jobs) {
    PRIMER_CHECK(job.w->n_cols == n_in);
    const QuantTypeTraits* wt = quant_type_traits(job.w->type);
    ActBuffer* buf = buffer_for(wt->dot_type);
    PRIMER_CHECK(buf != nullptr);
    if (buf->ready) continue;
    const QuantTypeTraits* dt = quant_type_traits(buf->type);
    buf->row_bytes = quant_row_bytes(*dt, static_cast<uint64_t>(n_in));
    const FromFloatFn quantize = ks.of(buf->type).from_float;
    struct Q { const float* x; int64_t x_stride, n_in; uint8_t* out; size_t row_bytes; FromFloatFn f; };
    Q q{x, x_stride, n_in, buf->data.data(), buf->row_bytes, quantize};
    if (n_tokens == 1) {
      q.f(q.x, q.out, q.n_in);
    } else {
      pool.parallel_for(static_cast<size_t>(n_tokens), 4, [&q](size_t b, size_t e, int) {
        for (size_t t = b; t < e; ++t) q.f(q.x + t * q.x_stride, q.out + t * q.row_bytes, q.n_in);
      });
    }
    buf->ready = true;
  }

  // 2. Tiles: (job, row block, token block). Row blocks shrink for small matrices so every
  // thread gets several tiles.
  struct JobPlan {
    const MatJob* job;
    const uint8_t* a;
    size_t a_row_bytes;
    GemmTileFn tile;
    int64_t row_block;
    int64_t n_row_blocks;
    int64_t first_item;
  };
  JobPlan plans[8];
  PRIMER_CHECK(jobs.size() <= 8);
  const int64_t token_block = std::min<int64_t>(kTokenBlock, n_tokens);
  const int64_t n_token_blocks = ceil_div(n_tokens, token_block);
  int64_t n_items = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const MatJob& job = jobs[j];
    const TypeKernels& tk = ks.of(job.w->type);
    const ActBuffer* buf = buffer_for(quant_type_traits(job.w->type)->dot_type);
    const int64_t rows = job.w->n_rows;
    const int64_t align = std::max(1, tk.tile_rows);
    int64_t rb = ceil_div(rows, 8 * static_cast<int64_t>(pool.size()));
    rb = std::clamp<int64_t>(ceil_div(rb, align) * align, align, kRowBlockMax);
    plans[j] = JobPlan{&job, buf->data.data(), buf->row_bytes, tk.gemm_tile, rb, ceil_div(rows, rb), n_items};
    n_items += plans[j].n_row_blocks * n_token_blocks;
  }

  struct Shared {
    const JobPlan* plans;
    size_t n_plans;
    int64_t n_tokens, n_in, token_block, n_token_blocks;
    float* tiles;
  };
  Shared s{plans, jobs.size(), n_tokens, n_in, token_block, n_token_blocks, tiles_.data()};
  pool.parallel_for(static_cast<size_t>(n_items), 1, [&s](size_t begin, size_t end, int thread) {
    float* tile = s.tiles + static_cast<size_t>(thread) * kRowBlockMax * kTokenBlock;
    for (size_t item = begin; item < end; ++item) {
      size_t j = 0;
      while (j + 1 < s.n_plans && static_cast<int64_t>(item) >= s.plans[j + 1].first_item) ++j;
      const JobPlan& p = s.plans[j];
      const int64_t local = static_cast<int64_t>(item) - p.first_item;
      const int64_t rblk = local / s.n_token_blocks, tblk = local % s.n_token_blocks;
      const WeightTensor& w = *p.job->w;
      const int64_t r0 = rblk * p.row_block, nr = std::min(p.row_block, w.n_rows - r0);
      const int64_t t0 = tblk * s.token_block, nc = std::min(s.token_block, s.n_tokens - t0);
      // tile[r * nc + c] = w.row(r0 + r) . a[t0 + c]
      p.tile(s.n_in, w.row(r0), w.row_bytes, static_cast<int>(nr), p.a + t0 * p.a_row_bytes,
             p.a_row_bytes, static_cast<int>(nc), tile, static_cast<size_t>(nc));
      float* y = p.job->y;
      const int64_t ys = p.job->y_stride;
      for (int64_t c = 0; c < nc; ++c) {
        float* yrow = y + (t0 + c) * ys + r0;
        for (int64_t r = 0; r < nr; ++r) yrow[r] = tile[r * nc + c];
      }
    }
  });
}

}  // namespace primer::model
