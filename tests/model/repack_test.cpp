// Load-time repacking (ModelLoadOptions::repack): a Q5_0 model's matrices become owned
// QuantType::kQ5_0R copies that dequantize to exactly the file's values, and the engine's logits
// with and without repacking agree to float summation order — on odd block counts (rows of 3 and
// 5 blocks), in prefill (several tokens per product) and decode (one). (The engine against the
// double-precision reference on repacked models: forward_quant_test, which loads with defaults.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "model/engine_test_util.h"
#include "primer/quant.h"

namespace primer::testing {
namespace {

std::vector<float> dequantize(const WeightTensor& w) {
  const QuantTypeTraits* t = quant_type_traits(w.type);
  std::vector<float> out(static_cast<size_t>(w.n_rows * w.n_cols));
  for (int64_t r = 0; r < w.n_rows; ++r) t->to_float(w.row(r), out.data() + r * w.n_cols, w.n_cols);
  return out;
}

template <class Fn>
void for_each_matrix(const Model& m, Fn fn) {
  const ModelWeights& w = m.weights();
  fn(w.tok_embd);
  fn(w.output);
  for (const LayerWeights& l : w.layers) {
    for (const WeightTensor* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) fn(*t);
  }
}

struct Loaded {
  std::unique_ptr<Model> repacked, plain;
};

// A Q5_0 qwen2 model 96 wide (rows of 3 blocks) with a 160-wide FFN (ffn_down rows of 5).
Loaded load_both(ThreadPool& pool) {
  GenModelOptions o = tiny_model_options("qwen2", 11);
  o.n_embd = 96;
  o.n_ff = 160;
  o.type = FileType::kQ5_0;
  const std::string path = temp_model_path("q5_0_repack");
  Logger logger(LogLevel::kWarn);
  Status st = generate_model(o, path, pool, logger);
  EXPECT_TRUE(st.ok()) << st.error().message;
  Loaded out;
  auto r = Model::load(path);
  ModelLoadOptions no_repack;
  no_repack.repack = false;
  auto p = Model::load(path, no_repack);
  std::filesystem::remove(path);
  EXPECT_TRUE(r.ok() && p.ok());
  if (r.ok()) out.repacked = std::move(r).value();
  if (p.ok()) out.plain = std::move(p).value();
  return out;
}

TEST(Repack, Q5_0MatricesBecomeAlignedQ5_0RCopiesWithTheSameValues) {
  ThreadPool pool(2);
  Loaded m = load_both(pool);
  ASSERT_TRUE(m.repacked && m.plain);
  std::vector<const WeightTensor*> plain;
  for_each_matrix(*m.plain, [&](const WeightTensor& t) { plain.push_back(&t); });
  size_t i = 0, n_repacked = 0;
  for_each_matrix(*m.repacked, [&](const WeightTensor& t) {
    const WeightTensor& p = *plain[i++];
    SCOPED_TRACE(t.name);
    ASSERT_EQ(t.n_bytes(), p.n_bytes());
    ASSERT_EQ(t.row_bytes, p.row_bytes);
    const GgufTensorInfo* info = m.repacked->gguf().find_tensor(t.name);
    ASSERT_NE(info, nullptr);
    if (p.type == QuantType::kQ5_0) {
      ++n_repacked;
      EXPECT_EQ(t.type, QuantType::kQ5_0R);
      EXPECT_NE(t.data, info->data);  // an owned copy
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 64, 0u);
      EXPECT_NE(std::memcmp(t.data, p.data, t.n_bytes()), 0);
    } else {
      EXPECT_EQ(t.type, p.type);
      EXPECT_EQ(t.data, info->data);  // other types stay views of the file
    }
    const std::vector<float> a = dequantize(t), b = dequantize(p);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  });
  EXPECT_GE(n_repacked, 2u * 7u);  // every layer's matrices at least
  EXPECT_EQ(m.repacked->decode_bytes_per_token(), m.plain->decode_bytes_per_token());
  EXPECT_EQ(m.repacked->weight_bytes(), m.plain->weight_bytes());
}

TEST(Repack, LogitsMatchTheFileLayoutInPrefillAndDecode) {
  ThreadPool pool(2);
  Loaded m = load_both(pool);
  ASSERT_TRUE(m.repacked && m.plain);
  ContextOptions co;
  co.n_ctx = 32;
  auto ctx_r = make_context(*m.repacked, pool, co);
  auto ctx_p = make_context(*m.plain, pool, co);
  ASSERT_TRUE(ctx_r && ctx_p);
  const std::vector<int32_t> prompt = random_tokens(9, m.plain->config().n_vocab, 5);
  auto compare = [](const std::vector<float>& got, const std::vector<float>& want) {
    ASSERT_EQ(got.size(), want.size());
    ASSERT_FALSE(want.empty());
    double err = 0, ref = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      err += (double{got[i]} - want[i]) * (double{got[i]} - want[i]);
      ref += double{want[i]} * want[i];
    }
    EXPECT_LE(std::sqrt(err / ref), 1e-5);  // float summation order only
  };
  compare(decode_all(*ctx_r, prompt), decode_all(*ctx_p, prompt));  // prefill
  for (int32_t token : {3, 141, 59}) {                              // decode, one token each
    const std::vector<int32_t> one = {token};
    compare(decode_all(*ctx_r, one), decode_all(*ctx_p, one));
  }
}

}  // namespace
}  // namespace primer::testing
