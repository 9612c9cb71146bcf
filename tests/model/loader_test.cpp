// Model loading: gen-model -> load round trips for every architecture (hyper-parameters, tied
// and untied output, rope scaling, the tensors each architecture has or lacks) and the per-tensor
// type mixture of each file type.
#include <gtest/gtest.h>

#include <cmath>

#include "model_test_util.h"
#include "primer/model.h"

namespace primer {
namespace {

using testing::gen_model_file;
using testing::tiny_options;

std::unique_ptr<Model> load_ok(const std::string& path, const ModelLoadOptions& o = {}) {
  auto m = Model::load(path, o);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? std::move(m).value() : nullptr;
}

void expect_shape(const WeightTensor& w, int64_t rows, int64_t cols) {
  EXPECT_TRUE(w.present()) << w.name;
  EXPECT_EQ(w.n_rows, rows) << w.name;
  EXPECT_EQ(w.n_cols, cols) << w.name;
}

class LoaderArch : public ::testing::TestWithParam<const char*> {};

TEST_P(LoaderArch, RoundTripHyperParametersAndTensors) {
  const std::string arch = GetParam();
  GenModelOptions o = tiny_options(arch);
  auto model = load_ok(gen_model_file(o));
  ASSERT_NE(model, nullptr);
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.arch, arch);
  EXPECT_EQ(c.n_vocab, 300);
  EXPECT_EQ(c.n_embd, 64);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.n_ff, 96);
  EXPECT_EQ(c.n_ctx_train, 4096);
  EXPECT_FLOAT_EQ(c.rms_eps, 1e-6f);
  EXPECT_EQ(c.rope.n_dims, 16);
  EXPECT_EQ(c.rope.scaling, RopeScaling::kNone);
  EXPECT_TRUE(c.rope.freq_factors.empty());
  EXPECT_EQ(c.rope.style, arch == "llama" ? RopeStyle::kNorm : RopeStyle::kNeox);
  EXPECT_FLOAT_EQ(c.rope.theta, arch == "llama" ? 10000.0f : 1000000.0f);
  EXPECT_TRUE(c.tied_output);
  EXPECT_EQ(model->tokenizer().vocab_size(), 300u);

  const ModelWeights& w = model->weights();
  expect_shape(w.tok_embd, 300, 64);
  expect_shape(w.output_norm, 1, 64);
  EXPECT_EQ(w.output.data, w.tok_embd.data);  // tied: the same view
  ASSERT_EQ(w.layers.size(), 2u);
  for (const LayerWeights& l : w.layers) {
    expect_shape(l.attn_norm, 1, 64);
    expect_shape(l.wq, 64, 64);
    expect_shape(l.wk, 32, 64);
    expect_shape(l.wv, 32, 64);
    expect_shape(l.wo, 64, 64);
    expect_shape(l.ffn_norm, 1, 64);
    expect_shape(l.ffn_gate, 96, 64);
    expect_shape(l.ffn_up, 96, 64);
    expect_shape(l.ffn_down, 64, 96);
    EXPECT_EQ(l.bq.present(), arch == "qwen2");
    EXPECT_EQ(l.bk.present(), arch == "qwen2");
    EXPECT_EQ(l.bv.present(), arch == "qwen2");
    if (arch == "qwen2") {
      expect_shape(l.bq, 1, 64);
      expect_shape(l.bk, 1, 32);
    }
    EXPECT_EQ(l.q_norm.present(), arch == "qwen3");
    EXPECT_EQ(l.k_norm.present(), arch == "qwen3");
    if (arch == "qwen3") expect_shape(l.k_norm, 1, 16);
    // Norm weights are 1 + noise (std 0.1), owned F32.
    EXPECT_EQ(l.attn_norm.type, QuantType::kF32);
    for (int64_t i = 0; i < 64; ++i) {
      EXPECT_GT(l.attn_norm.f32()[i], 0.8f);
      EXPECT_LT(l.attn_norm.f32()[i], 1.2f);
    }
  }
  // Matrices of an F32 file are F32 views into the file; values within sqrt(3) * init_std.
  EXPECT_EQ(w.layers[0].wq.type, QuantType::kF32);
  const float* q = reinterpret_cast<const float*>(w.layers[0].wq.data);
  double sum_sq = 0;
  for (int64_t i = 0; i < 64 * 64; ++i) {
    EXPECT_LE(std::fabs(q[i]), 0.02f * 1.7320508f + 1e-6f);
    sum_sq += double{q[i]} * q[i];
  }
  EXPECT_NEAR(std::sqrt(sum_sq / (64 * 64)), 0.02, 0.002);

  // Costs: matrices 2*(64*64*2 + 32*64*2 + 96*64*3) per layer + output 300*64, F32.
  const uint64_t per_layer = 64 * 64 * 2 + 32 * 64 * 2 + 96 * 64 * 3;
  const uint64_t matrix_params = 2 * per_layer + 300 * 64;
  EXPECT_EQ(model->flops_per_token(), 2 * matrix_params);
  EXPECT_EQ(model->decode_bytes_per_token(), 4 * matrix_params + 64 * 4);
  EXPECT_GT(model->weight_bytes(), 4 * matrix_params);
}

TEST_P(LoaderArch, UntiedOutputAndRopeScaling) {
  GenModelOptions o = tiny_options(GetParam());
  o.tied_output = false;
  o.rope_scaling = "llama3";
  auto model = load_ok(gen_model_file(o));
  ASSERT_NE(model, nullptr);
  const ModelConfig& c = model->config();
  EXPECT_FALSE(c.tied_output);
  expect_shape(model->weights().output, 300, 64);
  EXPECT_NE(model->weights().output.data, model->weights().tok_embd.data);
  EXPECT_FLOAT_EQ(c.rope.theta, 500000.0f);
  ASSERT_EQ(c.rope.freq_factors.size(), 8u);  // n_dims / 2
  // Llama-3.1 scaling: high frequencies untouched, low ones divided by 8, monotone between.
  EXPECT_FLOAT_EQ(c.rope.freq_factors.front(), 1.0f);
  EXPECT_FLOAT_EQ(c.rope.freq_factors.back(), 8.0f);
  for (size_t i = 1; i < c.rope.freq_factors.size(); ++i) {
    EXPECT_GE(c.rope.freq_factors[i], c.rope.freq_factors[i - 1]);
  }

  o.rope_scaling = "linear:4";
  o.tied_output = true;
  auto linear = load_ok(gen_model_file(o, "linear.gguf"));
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(linear->config().rope.scaling, RopeScaling::kLinear);
  EXPECT_FLOAT_EQ(linear->config().rope.linear_factor, 4.0f);
  EXPECT_TRUE(linear->config().rope.freq_factors.empty());
}

INSTANTIATE_TEST_SUITE_P(All, LoaderArch, ::testing::Values("llama", "qwen2", "qwen3"));

TEST(Loader, SupportedArchitectures) {
  std::vector<std::string_view> archs = supported_architectures();
  EXPECT_EQ(archs, (std::vector<std::string_view>{"llama", "qwen2", "qwen3"}));
}

TEST(Loader, Qwen3HeadDimFromKeyLength) {
  GenModelOptions o = tiny_options("qwen3");
  o.head_dim = 32;  // 4 heads of 32 on a 64-wide model (as Qwen3-0.6B: 16 x 128 on 1024)
  auto model = load_ok(gen_model_file(o));
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->config().head_dim, 32);
  expect_shape(model->weights().layers[1].wq, 128, 64);
  expect_shape(model->weights().layers[1].wo, 64, 128);
  expect_shape(model->weights().layers[1].q_norm, 1, 32);
}

TEST(Loader, VocabOnlySkipsTensors) {
  auto model = load_ok(gen_model_file(tiny_options("qwen2")), ModelLoadOptions{.vocab_only = true});
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->config().n_vocab, 300);
  EXPECT_EQ(model->config().n_embd, 64);
  EXPECT_FALSE(model->weights().tok_embd.present());
  EXPECT_TRUE(model->weights().layers.empty());
}

// Per-tensor types of a file type, by tensor name.
std::map<std::string, QuantType> types_of(const Model& m) {
  std::map<std::string, QuantType> out;
  for (const GgufTensorInfo& t : m.gguf().tensors()) out[std::string(t.name)] = static_cast<QuantType>(t.type);
  return out;
}

TEST(LoaderMixture, Q4KMUsesMoreBitsWhereLlamaCppDoes) {
  GenModelOptions o = tiny_options("llama");
  o.n_embd = 256;
  o.n_ff = 512;
  o.n_layer = 8;
  o.n_head = 4;
  o.type = FileType::kQ4_K_M;
  auto model = load_ok(gen_model_file(o));
  ASSERT_NE(model, nullptr);
  auto types = types_of(*model);
  EXPECT_EQ(types["token_embd.weight"], QuantType::kQ6_K);  // tied: it is the output
  EXPECT_EQ(types["output_norm.weight"], QuantType::kF32);
  // use_more_bits(i, 8): i < 1, i >= 7, (i - 1) % 3 == 2  ->  0, 3, 6, 7.
  for (int il = 0; il < 8; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    const bool more = il == 0 || il == 3 || il == 6 || il == 7;
    EXPECT_EQ(types[p + "attn_v.weight"], more ? QuantType::kQ6_K : QuantType::kQ4_K) << il;
    EXPECT_EQ(types[p + "ffn_down.weight"], more ? QuantType::kQ6_K : QuantType::kQ4_K) << il;
    EXPECT_EQ(types[p + "attn_q.weight"], QuantType::kQ4_K);
    EXPECT_EQ(types[p + "attn_k.weight"], QuantType::kQ4_K);
    EXPECT_EQ(types[p + "attn_output.weight"], QuantType::kQ4_K);
    EXPECT_EQ(types[p + "ffn_up.weight"], QuantType::kQ4_K);
    EXPECT_EQ(types[p + "attn_norm.weight"], QuantType::kF32);
  }
  EXPECT_EQ(model->weights().layers[3].wv.type, QuantType::kQ6_K);
}

TEST(LoaderMixture, EachFileTypeDefaultsAndFallbacks) {
  struct Case {
    FileType type;
    QuantType wide;    // attn_q of a 256-wide model
    QuantType narrow;  // attn_q of a 64-wide model (rows not a multiple of 256)
    QuantType output;  // untied output.weight, 256 wide
    QuantType embd;    // untied token_embd.weight, 256 wide
  };
  using Q = QuantType;
  const Case cases[] = {
      {FileType::kF32, Q::kF32, Q::kF32, Q::kF32, Q::kF32},
      {FileType::kF16, Q::kF16, Q::kF16, Q::kF16, Q::kF16},
      {FileType::kBF16, Q::kBF16, Q::kBF16, Q::kBF16, Q::kBF16},
      {FileType::kQ8_0, Q::kQ8_0, Q::kQ8_0, Q::kQ8_0, Q::kQ8_0},
      {FileType::kQ4_0, Q::kQ4_0, Q::kQ4_0, Q::kQ6_K, Q::kQ4_0},
      {FileType::kQ4_1, Q::kQ4_1, Q::kQ4_1, Q::kQ6_K, Q::kQ4_1},
      {FileType::kQ5_0, Q::kQ5_0, Q::kQ5_0, Q::kQ6_K, Q::kQ5_0},
      {FileType::kQ5_1, Q::kQ5_1, Q::kQ5_1, Q::kQ6_K, Q::kQ5_1},
      {FileType::kQ4_K_S, Q::kQ4_K, Q::kQ5_0, Q::kQ6_K, Q::kQ4_K},
      {FileType::kQ4_K_M, Q::kQ4_K, Q::kQ5_0, Q::kQ6_K, Q::kQ4_K},
      {FileType::kQ5_K_S, Q::kQ5_K, Q::kQ5_1, Q::kQ6_K, Q::kQ5_K},
      {FileType::kQ5_K_M, Q::kQ5_K, Q::kQ5_1, Q::kQ6_K, Q::kQ5_K},
      {FileType::kQ6_K, Q::kQ6_K, Q::kQ8_0, Q::kQ6_K, Q::kQ6_K},
  };
  // Q5_0 matrices are repacked at load (ModelLoadOptions::repack, on by default).
  auto loaded = [](QuantType t) { return t == Q::kQ5_0 ? Q::kQ5_0R : t; };
  for (const Case& k : cases) {
    SCOPED_TRACE(file_type_name(k.type));
    GenModelOptions o = tiny_options("qwen2");
    o.type = k.type;
    o.n_layer = 1;
    o.n_embd = 256;
    o.n_ff = 256;
    o.tied_output = false;
    auto wide = load_ok(gen_model_file(o, "wide.gguf"));
    ASSERT_NE(wide, nullptr);
    EXPECT_EQ(wide->weights().layers[0].wq.type, loaded(k.wide));
    EXPECT_EQ(wide->weights().output.type, loaded(k.output));
    EXPECT_EQ(wide->weights().tok_embd.type, loaded(k.embd));
    EXPECT_EQ(wide->weights().layers[0].bq.type, QuantType::kF32);
    o.n_embd = 64;
    const std::string narrow_path = gen_model_file(o, "narrow.gguf");
    auto narrow = load_ok(narrow_path);
    ASSERT_NE(narrow, nullptr);
    EXPECT_EQ(narrow->weights().layers[0].wq.type, loaded(k.narrow));
    ModelLoadOptions no_repack;
    no_repack.repack = false;
    auto narrow_file = load_ok(narrow_path, no_repack);
    ASSERT_NE(narrow_file, nullptr);
    EXPECT_EQ(narrow_file->weights().layers[0].wq.type, k.narrow);
  }
}

TEST(LoaderMixture, FileTypeNamesParse) {
  for (std::string_view name : file_type_names()) {
    auto t = parse_file_type(name);
    ASSERT_TRUE(t.ok()) << name;
    EXPECT_EQ(file_type_name(*t), name);
  }
  auto lower = parse_file_type("q4_k_m");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, FileType::kQ4_K_M);
  auto bad = parse_file_type("Q3_K_XL");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("Q3_K_XL"), std::string::npos);
}

}  // namespace
}  // namespace primer
