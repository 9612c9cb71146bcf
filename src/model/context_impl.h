#pragma once
// Private state of a Context: the KV cache, per-sequence lengths and the scratch buffers of the
// forward pass, all sized at create() for n_batch tokens (shapes in comments).

#include <chrono>
#include <cstdint>
#include <vector>

#include "model/kv_cache.h"
#include "model/matmul.h"
#include "model/rope.h"
#include "primer/engine.h"

namespace primer {

// Op kinds timed by the profiler (OpProfile entries in this order).
enum class Op : int {
  kEmbed, kNorm, kQkv, kRopeKv, kAttention, kAttnOut, kFfnUpGate, kFfnAct, kFfnDown, kOutput, kCount
};

// The feed-forward block runs over chunks of this many tokens, so its [tokens][n_ff] buffers stay
// small (peak RSS) while each chunk still fills the matmul's 64-token tiles.
inline constexpr int64_t kFfnChunk = 64;

struct Context::Impl {
  model::KvCache kv;
  std::vector<int64_t> seq_len;     // [n_seq]
  std::vector<int64_t> next_pos;    // [n_seq] validation scratch
  model::Matmul matmul;
  model::Rope rope;

  // Chunk scratch, [n_batch][width].
  std::vector<float> x;             // [n_batch][n_embd] residual stream
  std::vector<float> xn;            // [n_batch][n_embd] normalized input of a sub-block
  std::vector<float> q;             // [n_batch][n_head * head_dim]
  std::vector<float> k, v;          // [n_batch][n_head_kv * head_dim]
  std::vector<float> att;           // [n_batch][n_head * head_dim] attention output
  std::vector<float> gate, up;      // [kFfnChunk][n_ff] (the FFN runs in token chunks)
  std::vector<float> o;             // [n_batch][n_embd] projection output before the residual add
  std::vector<int64_t> pos;         // [n_batch]
  std::vector<int32_t> seq;         // [n_batch]
  std::vector<int64_t> out_rows;    // [n_batch] chunk rows that want logits
  std::vector<float> scores;        // [n_threads][2 * n_ctx * group] raw scores + probabilities
  std::vector<uint16_t> q16;        // [n_threads][group * head_dim] a group's queries in f16

  // Logits of the last decode(): [n_logit_rows][n_vocab]; logit_row[i] = row of batch index i or -1.
  std::vector<float> logits;
  std::vector<int64_t> logit_row;

  bool profiling = false;
  OpProfile profile;

  // Runs batch tokens [begin, end) through the network (forward.cpp). Logit rows go to
  // logits starting at row first_logit_row.
  void forward(const Model& model, ThreadPool& pool, const Batch& batch, size_t begin, size_t end,
               int64_t first_logit_row);

  void add_time(Op op, std::chrono::steady_clock::time_point since) {
    auto& e = profile.entries[static_cast<size_t>(op)];
    e.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    e.calls += 1;
  }
};

}  // namespace primer
