// Helpers shared by the engine correctness tests (forward, batch, torch goldens): tiny random
// models from the model factory, loaded, and prompt decoding through the public engine API.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "primer/engine.h"
#include "primer/log.h"
#include "primer/model.h"
#include "primer/model_factory.h"
#include "primer/thread_pool.h"

namespace primer::testing {

// A unique path in the temp dir (tests run as separate processes, in parallel).
inline std::string temp_model_path(const std::string& tag) {
  static std::atomic<int> counter{0};
  return (std::filesystem::temp_directory_path() /
          ("primer_engine_test_" + std::to_string(::getpid()) + "_" +
           std::to_string(counter.fetch_add(1)) + "_" + tag + ".gguf"))
      .string();
}

// Loads `path` (the mapping outlives the file's directory entry, so callers may delete it).
inline std::unique_ptr<Model> load_model_or_fail(const std::string& path) {
  auto model = Model::load(path);
  if (!model.ok()) {
    ADD_FAILURE() << "Model::load(" << path << "): " << model.error().message;
    return nullptr;
  }
  return std::move(model).value();
}

// A tiny random model of `arch` (64 wide, 2 layers, 4 heads / 2 kv heads, 300 tokens). Weights are
// larger than gen-model's default 0.02 so attention is far from uniform and every position's
// logits differ clearly (a wrong rope or mask shows).
inline GenModelOptions tiny_model_options(const std::string& arch, uint64_t seed) {
  GenModelOptions o;
  o.arch = arch;
  o.n_embd = 64;
  o.n_layer = 2;
  o.n_head = 4;
  o.n_head_kv = 2;
  o.n_vocab = 300;
  o.n_ctx_train = 256;
  o.seed = seed;
  o.init_std = 0.1f;
  return o;
}

// Writes a random model with `options`, loads it and removes the file.
inline std::unique_ptr<Model> make_model(const GenModelOptions& options, ThreadPool& pool) {
  const std::string path = temp_model_path(options.arch);
  Logger logger(LogLevel::kWarn);
  Status st = generate_model(options, path, pool, logger);
  if (!st.ok()) {
    ADD_FAILURE() << "generate_model: " << st.error().message;
    return nullptr;
  }
  auto model = load_model_or_fail(path);
  std::filesystem::remove(path);
  return model;
}

// Deterministic random token ids in [0, n_vocab).
inline std::vector<int32_t> random_tokens(int64_t n, int64_t n_vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> tokens(static_cast<size_t>(n));
  for (auto& t : tokens) t = static_cast<int32_t>(rng() % static_cast<uint32_t>(n_vocab));
  return tokens;
}

inline std::unique_ptr<Context> make_context(const Model& model, ThreadPool& pool,
                                             const ContextOptions& options) {
  auto ctx = Context::create(model, pool, options);
  if (!ctx.ok()) {
    ADD_FAILURE() << "Context::create: " << ctx.error().message;
    return nullptr;
  }
  return std::move(ctx).value();
}

// Decodes `tokens` as the continuation of sequence `seq` in one decode() call, logits for every
// position. Returns them row-major [n_tokens][n_vocab] (empty on error, with a test failure).
inline std::vector<float> decode_all(Context& ctx, std::span<const int32_t> tokens, int seq = 0) {
  Batch batch;
  const int64_t start = ctx.seq_len(seq);
  for (size_t i = 0; i < tokens.size(); ++i) {
    batch.add(tokens[i], seq, start + static_cast<int64_t>(i), true);
  }
  Status st = ctx.decode(batch);
  if (!st.ok()) {
    ADD_FAILURE() << "decode: " << st.error().message;
    return {};
  }
  const size_t n_vocab = static_cast<size_t>(ctx.model().config().n_vocab);
  std::vector<float> out;
  out.reserve(tokens.size() * n_vocab);
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto row = ctx.logits(i);
    EXPECT_EQ(row.size(), n_vocab);
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace primer::testing
