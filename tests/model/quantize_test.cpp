// quantize_model: an F32 model quantized to each file type has llama.cpp's per-tensor types, the
// very bytes gen-model writes for that type directly (same values, same reference quantizers),
// and dequantizes to within the type's error bound of the original weights.
#include <gtest/gtest.h>

#include <cmath>

#include "model_test_util.h"
#include "primer/model.h"

namespace primer {
namespace {

using testing::temp_path;
using testing::tiny_options;

Status quantize(const std::string& in, const std::string& out, FileType type, bool allow_requantize = false) {
  ThreadPool pool(2);
  Logger logger(LogLevel::kWarn);
  QuantizeOptions o;
  o.type = type;
  o.allow_requantize = allow_requantize;
  return quantize_model(in, out, o, pool, logger);
}

std::vector<float> dequantize(const WeightTensor& w) {
  const QuantTypeTraits* t = quant_type_traits(w.type);
  std::vector<float> out(static_cast<size_t>(w.n_rows * w.n_cols));
  for (int64_t r = 0; r < w.n_rows; ++r) t->to_float(w.row(r), out.data() + r * w.n_cols, w.n_cols);
  return out;
}

// RMS error relative to the RMS of the original.
double relative_rms_error(const WeightTensor& original, const WeightTensor& quantized) {
  const std::vector<float> a = dequantize(original), b = dequantize(quantized);
  double err = 0, ref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    err += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    ref += double{a[i]} * a[i];
  }
  return std::sqrt(err / ref);
}

double error_bound(QuantType t) {
  switch (t) {
    case QuantType::kF32: return 0;
    case QuantType::kF16: return 1e-3;
    case QuantType::kBF16: return 5e-3;
    case QuantType::kQ8_0: return 0.01;
    case QuantType::kQ6_K: return 0.03;
    case QuantType::kQ5_0: case QuantType::kQ5_0R: case QuantType::kQ5_1: case QuantType::kQ5_K: return 0.06;
    default: return 0.12;  // 4-bit types
  }
}

TEST(Quantize, EveryFileTypeMatchesGenModelAndErrorBounds) {
  GenModelOptions o = tiny_options("qwen2");
  o.n_embd = 256;
  o.n_ff = 320;  // ffn_down rows of 320: not a multiple of 256 (fallback types)
  o.n_layer = 2;
  o.tied_output = false;
  const std::string f32_path = testing::gen_model_file(o, "f32.gguf");
  auto f32 = Model::load(f32_path);
  ASSERT_TRUE(f32.ok()) << f32.error().message;
  for (std::string_view name : file_type_names()) {
    SCOPED_TRACE(std::string(name));
    const FileType type = *parse_file_type(name);
    const std::string out = temp_path(std::string(name) + ".gguf");
    Status s = quantize(f32_path, out, type);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto q = Model::load(out);
    ASSERT_TRUE(q.ok()) << q.error().message;
    o.type = type;
    auto direct = Model::load(testing::gen_model_file(o, std::string(name) + "_direct.gguf"));
    ASSERT_TRUE(direct.ok()) << direct.error().message;
    EXPECT_EQ((*q)->gguf().get_uint("general.file_type").value(), (*direct)->gguf().get_uint("general.file_type").value());
    ASSERT_EQ((*q)->gguf().tensors().size(), (*f32)->gguf().tensors().size());
    for (const GgufTensorInfo& t : (*q)->gguf().tensors()) {
      const GgufTensorInfo* d = (*direct)->gguf().find_tensor(t.name);
      ASSERT_NE(d, nullptr) << t.name;
      EXPECT_EQ(t.type, d->type) << t.name;
      ASSERT_EQ(t.n_bytes, d->n_bytes) << t.name;
      EXPECT_EQ(0, std::memcmp(t.data, d->data, t.n_bytes)) << t.name;
    }
    const LayerWeights& lq = (*q)->weights().layers[1];
    const LayerWeights& lf = (*f32)->weights().layers[1];
    for (auto member : {&LayerWeights::wq, &LayerWeights::wv, &LayerWeights::ffn_down}) {
      const WeightTensor& wq = lq.*member;
      const double err = relative_rms_error(lf.*member, wq);
      EXPECT_LE(err, error_bound(wq.type)) << wq.name << " " << quant_type_traits(wq.type)->name;
      if (wq.type != QuantType::kF32) {
        EXPECT_GT(err, 0) << wq.name;
      }
    }
    EXPECT_LE(relative_rms_error((*f32)->weights().output, (*q)->weights().output), error_bound((*q)->weights().output.type));
    // 1-D tensors are untouched.
    EXPECT_EQ(lq.bq.type, QuantType::kF32);
    EXPECT_EQ(0, std::memcmp(lq.attn_norm.data, lf.attn_norm.data, lf.attn_norm.n_bytes()));
  }
}

TEST(Quantize, RequantizingNeedsPermission) {
  GenModelOptions o = tiny_options("llama");
  o.n_embd = 256;
  o.n_ff = 256;
  o.type = FileType::kQ4_K_M;
  const std::string q4 = testing::gen_model_file(o, "q4.gguf");
  const std::string out = temp_path("q8.gguf");
  Status s = quantize(q4, out, FileType::kQ8_0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("already quantized"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("--allow-requantize"), std::string::npos) << s.error().message;
  ASSERT_TRUE(quantize(q4, out, FileType::kQ8_0, /*allow_requantize=*/true).ok());
  auto m = Model::load(out);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->get()->weights().layers[0].wq.type, QuantType::kQ8_0);
  // Same type in and out needs no permission (copied as is).
  ASSERT_TRUE(quantize(q4, temp_path("again.gguf"), FileType::kQ4_K_M).ok());
}

TEST(Quantize, MissingInputIsAnError) {
  Status s = quantize(temp_path("missing.gguf"), temp_path("out.gguf"), FileType::kQ8_0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("missing.gguf"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace primer
