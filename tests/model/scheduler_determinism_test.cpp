// Batch invariance, which the Scheduler relies on: a sequence's logits must not depend on what
// else is in the batch (other sequences' tokens, how its prompt is chunked), bit for bit, or
// greedy outputs served to many clients at once would differ from `primer run`'s. Checked for
// every weight format the kernels tile differently (float, 32-element blocks, K-quants).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "model/engine_test_util.h"
#include "primer/kernels.h"
#include "primer/quant.h"

namespace primer::testing {
namespace {

constexpr int kSteps = 5;
constexpr int kOthers = 7;

int32_t argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Greedy steps of `prompt` in sequence `target` of `ctx`, decoded together with `others` (one per
// other sequence, each continuing greedily too). The target's prompt is fed in chunks of `chunk`
// tokens, interleaved with the others' prompt tokens. Returns the target's logits per step.
std::vector<std::vector<float>> run(Context& ctx, int target, const std::vector<int32_t>& prompt,
                                    const std::vector<std::vector<int32_t>>& others, size_t chunk) {
  std::vector<std::vector<float>> out;
  const int n_seq = ctx.n_seq();
  std::vector<std::vector<int32_t>> feed(static_cast<size_t>(n_seq));
  feed[static_cast<size_t>(target)] = prompt;
  for (int s = 0, k = 0; s < n_seq; ++s) {
    if (s != target && k < static_cast<int>(others.size())) feed[static_cast<size_t>(s)] = others[static_cast<size_t>(k++)];
  }
  std::vector<size_t> done(static_cast<size_t>(n_seq), 0);
  std::vector<size_t> row(static_cast<size_t>(n_seq), SIZE_MAX);
  for (int step = 0; step < 1000 && static_cast<int>(out.size()) < kSteps; ++step) {
    Batch b;
    std::fill(row.begin(), row.end(), SIZE_MAX);
    for (int s = 0; s < n_seq; ++s) {
      const auto& f = feed[static_cast<size_t>(s)];
      size_t& d = done[static_cast<size_t>(s)];
      const size_t n = std::min(f.size() - d, s == target ? chunk : f.size());
      for (size_t j = 0; j < n; ++j, ++d) {
        const bool last = d + 1 == f.size();
        if (last) row[static_cast<size_t>(s)] = b.size();
        b.add(f[d], s, ctx.seq_len(s) + static_cast<int64_t>(j), last);
      }
    }
    if (b.empty()) break;
    Status st = ctx.decode(b);
    if (!st.ok()) {
      ADD_FAILURE() << st.error().message;
      return out;
    }
    for (int s = 0; s < n_seq; ++s) {
      if (row[static_cast<size_t>(s)] == SIZE_MAX) continue;
      auto logits = ctx.logits(row[static_cast<size_t>(s)]);
      if (s == target) out.emplace_back(logits.begin(), logits.end());
      feed[static_cast<size_t>(s)].push_back(argmax(logits));  // the next token to decode
    }
  }
  return out;
}

struct Case {
  const char* name;
  FileType type;
  int64_t n_embd;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class BatchInvariance : public ::testing::TestWithParam<Case> {};

TEST_P(BatchInvariance, LogitsAloneEqualBatchedBitForBit) {
  const Case& c = GetParam();
  ThreadPool pool(2);
  GenModelOptions o = tiny_model_options("qwen2", 3);
  o.type = c.type;
  o.n_embd = c.n_embd;
  auto model = make_model(o, pool);
  ASSERT_NE(model, nullptr);
  std::printf("[ info ] %s: wq %s, ffn_down %s, kernels %s\n", c.name,
              quant_type_traits(model->weights().layers[0].wq.type)->name,
              quant_type_traits(model->weights().layers[0].ffn_down.type)->name, cpu_level_name(kernels().level));
  const int64_t n_vocab = model->config().n_vocab;
  const std::vector<int32_t> prompt = random_tokens(19, n_vocab, 1);
  std::vector<std::vector<int32_t>> others;
  for (int i = 0; i < kOthers; ++i) others.push_back(random_tokens(3 + 5 * i, n_vocab, 10 + i));

  ContextOptions one;
  one.n_ctx = 64;
  auto ctx1 = make_context(*model, pool, one);
  ASSERT_NE(ctx1, nullptr);
  const auto alone = run(*ctx1, 0, prompt, {}, prompt.size());
  ASSERT_EQ(alone.size(), static_cast<size_t>(kSteps));

  ContextOptions many = one;
  many.n_seq = kOthers + 1;
  for (size_t chunk : {prompt.size(), size_t{7}}) {
    SCOPED_TRACE("prompt chunk " + std::to_string(chunk));
    auto ctx8 = make_context(*model, pool, many);
    ASSERT_NE(ctx8, nullptr);
    const auto batched = run(*ctx8, 5, prompt, others, chunk);
    ASSERT_EQ(batched.size(), alone.size());
    for (size_t i = 0; i < alone.size(); ++i) {
      size_t n_diff = 0;
      float max_diff = 0;
      for (size_t v = 0; v < alone[i].size(); ++v) {
        if (std::memcmp(&alone[i][v], &batched[i][v], sizeof(float)) != 0) ++n_diff;
        max_diff = std::max(max_diff, std::abs(alone[i][v] - batched[i][v]));
      }
      EXPECT_EQ(n_diff, 0u) << "step " << i << ": " << n_diff << " logits differ, max " << max_diff;
      EXPECT_EQ(argmax(alone[i]), argmax(batched[i])) << "step " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, BatchInvariance,
                         ::testing::Values(Case{"F32", FileType::kF32, 64}, Case{"F16", FileType::kF16, 64},
                                           Case{"Q8_0", FileType::kQ8_0, 64}, Case{"Q4_0", FileType::kQ4_0, 64},
                                           Case{"Q4_K_M", FileType::kQ4_K_M, 256},
                                           Case{"Q6_K", FileType::kQ6_K, 256}),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace primer::testing
