// Shared by the distillation tests: random-weight teachers from gen-model, token shards written
// directly (with the teacher's vocabulary hash), and the engine's own top-k as the oracle.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "primer/distill.h"
#include "primer/engine.h"
#include "primer/model_factory.h"
#include "train/shard_format.h"

namespace primer::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

class DistillTempDir {
 public:
  DistillTempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "primer-distill-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~DistillTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

struct TeacherSpec {
  std::string arch = "llama";
  int64_t n_vocab = 300;
  int64_t n_embd = 32;
  int64_t n_layer = 2;
  uint64_t seed = 7;
  float init_std = 0.5f;  // large: peaked next-token distributions (a random 0.02 model is ~uniform)
};

inline void make_teacher(const std::string& path, const TeacherSpec& s) {
  GenModelOptions o;
  o.arch = s.arch;
  o.n_vocab = s.n_vocab;
  o.n_embd = s.n_embd;
  o.n_layer = s.n_layer;
  o.n_head = 2;
  o.n_head_kv = 1;
  o.n_ff = 2 * s.n_embd;
  o.n_ctx_train = 512;
  o.seed = s.seed;
  o.init_std = s.init_std;
  ThreadPool pool(2);
  Logger quiet(LogLevel::kOff);
  Status st = generate_model(o, path, pool, quiet);
  ASSERT_TRUE(st.ok()) << st.error().message;
}

inline uint64_t vocab_hash_of(const std::string& gguf) {
  auto tok = train::load_tokenizer_any(gguf);
  EXPECT_TRUE(tok.ok()) << tok.error().message;
  return tok.ok() ? train::tokenizer_vocab_hash(**tok) : 0;
}

// Deterministic pseudo-random tokens in [0, n_vocab), documents of doc_len tokens.
inline std::vector<uint32_t> random_tokens(size_t n, int64_t n_vocab, uint64_t seed) {
  std::vector<uint32_t> t(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& v : t) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<uint32_t>((x >> 33) % static_cast<uint64_t>(n_vocab));
  }
  return t;
}

inline void write_shard(const std::string& path, const std::vector<uint32_t>& tokens, size_t doc_len,
                        int64_t n_vocab, uint64_t tokenizer_hash) {
  std::vector<uint64_t> begin;
  for (size_t b = 0; b < tokens.size(); b += doc_len) begin.push_back(b);
  begin.push_back(tokens.size());
  std::vector<uint32_t> order(begin.size() - 1);
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  train::ShardSource src;
  src.tokens = tokens;
  src.doc_begin = begin;
  src.order = order;
  src.n_vocab = static_cast<uint64_t>(n_vocab);
  src.tokenizer_hash = tokenizer_hash;
  Status st = train::write_shard_tmp(src, path + ".tmp", path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  std::filesystem::rename(path + ".tmp", path);
}

// The engine's own answer: log-softmax of the logits of window `w` (decoded alone from
// position 0), top-k descending (ties: lower id first).
inline void engine_topk(const Model& model, const std::vector<int32_t>& window_tokens, int k,
                        std::vector<int32_t>& ids, std::vector<float>& logprobs) {
  ThreadPool pool(2);
  ContextOptions co;
  co.n_ctx = static_cast<int64_t>(window_tokens.size());
  co.n_seq = 1;
  co.n_batch = co.n_ctx;
  co.kv_type = QuantType::kF32;
  auto ctx = Context::create(model, pool, co);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  Batch batch;
  for (size_t i = 0; i < window_tokens.size(); ++i) batch.add(window_tokens[i], 0, static_cast<int64_t>(i), true);
  ASSERT_TRUE((*ctx)->decode(batch).ok());
  ids.clear();
  logprobs.clear();
  for (size_t i = 0; i < window_tokens.size(); ++i) {
    auto lg = (*ctx)->logits(i);
    double mx = *std::max_element(lg.begin(), lg.end()), sum = 0;
    for (float x : lg) sum += std::exp(static_cast<double>(x) - mx);
    const double lse = mx + std::log(sum);
    std::vector<int32_t> idx(lg.size());
    for (size_t j = 0; j < idx.size(); ++j) idx[j] = static_cast<int32_t>(j);
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int32_t a, int32_t b) {
      return lg[static_cast<size_t>(a)] > lg[static_cast<size_t>(b)] ||
             (lg[static_cast<size_t>(a)] == lg[static_cast<size_t>(b)] && a < b);
    });
    for (int j = 0; j < k; ++j) {
      ids.push_back(idx[static_cast<size_t>(j)]);
      logprobs.push_back(static_cast<float>(lg[static_cast<size_t>(idx[static_cast<size_t>(j)])] - lse));
    }
  }
}

}  // namespace primer::testing
