// The engine and the reference forward against PyTorch (float64, Hugging Face modeling
// semantics) on tiny random models. The goldens in tests/golden/model/ were made by
// scripts/gen-torch-goldens.py from files written by `primer gen-model`; this test regenerates
// each file with the same options through generate_model() and first checks it is bit-identical
// (FNV-1a 64 of the bytes), so the logits belong to exactly these weights.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/engine_test_util.h"
#include "model/reference_forward.h"

namespace primer::testing {
namespace {

uint64_t fnv1a64(const std::vector<char>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// GenModelOptions from the golden's "gen_model" object (field names as in model_factory.h).
GenModelOptions options_from_json(const nlohmann::json& j) {
  GenModelOptions o;
  o.arch = j.at("arch").get<std::string>();
  o.n_embd = j.value("n_embd", o.n_embd);
  o.n_layer = j.value("n_layer", o.n_layer);
  o.n_head = j.value("n_head", o.n_head);
  o.n_head_kv = j.value("n_head_kv", o.n_head_kv);
  o.head_dim = j.value("head_dim", o.head_dim);
  o.n_ff = j.value("n_ff", o.n_ff);
  o.n_vocab = j.value("n_vocab", o.n_vocab);
  o.n_ctx_train = j.value("n_ctx_train", o.n_ctx_train);
  o.rope_theta = j.value("rope_theta", o.rope_theta);
  o.rope_scaling = j.value("rope_scaling", o.rope_scaling);
  o.tied_output = j.value("tied_output", o.tied_output);
  o.rms_eps = j.value("rms_eps", o.rms_eps);
  o.seed = j.value("seed", o.seed);
  o.init_std = j.value("init_std", o.init_std);
  o.type = FileType::kF32;
  return o;
}

class TorchGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchGolden, EngineAndReferenceMatchTorch) {
  const std::string golden_path = std::string(PRIMER_GOLDEN_DIR) + "/model/" + GetParam() + ".json";
  std::ifstream in(golden_path);
  ASSERT_TRUE(in.good()) << golden_path;
  const nlohmann::json golden = nlohmann::json::parse(in);

  ThreadPool pool(2);
  const GenModelOptions options = options_from_json(golden.at("gen_model"));
  const std::string path = temp_model_path(GetParam());
  Logger logger(LogLevel::kWarn);
  Status st = generate_model(options, path, pool, logger);
  ASSERT_TRUE(st.ok()) << st.error().message;
  const std::vector<char> bytes = read_file(path);
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes)));
  EXPECT_EQ(bytes.size(), golden.at("file_size").get<size_t>());
  EXPECT_EQ(std::string(hash), golden.at("file_fnv1a64").get<std::string>())
      << "generate_model no longer writes the file the golden was made from; if the change is "
         "intended, regenerate with scripts/gen-torch-goldens.py";
  auto model = load_model_or_fail(path);
  std::filesystem::remove(path);
  ASSERT_NE(model, nullptr);

  const auto tokens = golden.at("tokens").get<std::vector<int32_t>>();
  const int64_t n_vocab = golden.at("n_vocab").get<int64_t>();
  ASSERT_EQ(model->config().n_vocab, n_vocab);
  std::vector<double> torch_logits;
  for (const auto& row : golden.at("logits")) {
    ASSERT_EQ(static_cast<int64_t>(row.size()), n_vocab);
    for (const auto& v : row) torch_logits.push_back(v.get<double>());
  }
  ASSERT_EQ(torch_logits.size(), tokens.size() * static_cast<size_t>(n_vocab));

  // The reference forward: double math on the same F32 weights, so only the goldens' 10
  // significant digits and the rope frequencies' float32 storage separate them.
  const std::vector<double> ref = ReferenceModel(*model).forward(tokens);
  const std::vector<float> ref_f(ref.begin(), ref.end());
  const LogitDiff dr = compare_rows(ref_f, torch_logits, n_vocab);
  std::printf("  %s: reference vs torch max_abs %.3e (max|logit| %.3f)\n", GetParam(), dr.max_abs,
              dr.max_ref);
  EXPECT_LE(dr.max_abs, 1e-6 * dr.max_ref);

  ContextOptions co;
  co.n_ctx = 32;
  co.kv_type = QuantType::kF32;
  auto ctx = make_context(*model, pool, co);
  ASSERT_NE(ctx, nullptr);
  const std::vector<float> actual = decode_all(*ctx, tokens);
  ASSERT_EQ(actual.size(), torch_logits.size());
  const LogitDiff de = compare_rows(actual, torch_logits, n_vocab);
  std::printf("  %s: engine vs torch max_abs %.3e rel_rms %.3e\n", GetParam(), de.max_abs, de.rel_rms);
  EXPECT_LE(de.max_abs, 1e-4 * de.max_ref);
  EXPECT_EQ(de.argmax_mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(Model, TorchGolden,
                         ::testing::Values("llama_llama3_rope", "qwen2_tied", "qwen3_untied"));

}  // namespace
}  // namespace primer::testing
