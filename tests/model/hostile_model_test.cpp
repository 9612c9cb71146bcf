// Hostile and broken model files: every case must give a clear Error naming the problem (the
// key or tensor), never a crash or an out-of-bounds read (this suite also runs under ASan).
// Files are a valid tiny model rewritten with one defect each (model_test_util.h: rewrite()).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "model_test_util.h"
#include "primer/model.h"

namespace primer {
namespace {

using testing::GgufEdit;
using testing::load_bytes;
using testing::rewrite;
using testing::tiny_options;

class HostileModel : public ::testing::Test {
 protected:
  // One valid file per architecture, generated once for the suite.
  static const GgufFile& file(const std::string& arch) {
    static std::map<std::string, std::pair<std::vector<uint8_t>, std::unique_ptr<GgufFile>>> cache;
    auto& slot = cache[arch];
    if (!slot.second) {
      GenModelOptions o = tiny_options(arch);
      o.n_ff = 64;
      slot.first = testing::read_bytes(testing::gen_model_file(o, arch + ".gguf"));
      auto f = GgufFile::parse(slot.first, arch + ".gguf");
      EXPECT_TRUE(f.ok());
      slot.second = std::make_unique<GgufFile>(std::move(f).value());
    }
    return *slot.second;
  }

  // Loads `arch`'s file with `edit`; expects an error containing every needle.
  static void expect_error(const std::string& arch, const GgufEdit& edit, const std::vector<std::string>& needles) {
    const std::vector<uint8_t> bytes = rewrite(file(arch), edit);
    auto m = load_bytes(bytes);
    ASSERT_FALSE(m.ok()) << "loaded despite the defect; expected: " << needles[0];
    for (const std::string& n : needles) {
      EXPECT_NE(m.error().message.find(n), std::string::npos) << "message: " << m.error().message << "\nmissing: " << n;
    }
  }

  static std::function<void(GgufWriter&)> u32(const std::string& key, uint32_t v) {
    return [key, v](GgufWriter& w) { w.add_uint32(key, v); };
  }
  static std::function<void(GgufWriter&)> u64(const std::string& key, uint64_t v) {
    return [key, v](GgufWriter& w) { w.add_uint64(key, v); };
  }
  static std::function<void(GgufWriter&)> f32_key(const std::string& key, float v) {
    return [key, v](GgufWriter& w) { w.add_float32(key, v); };
  }
  static std::function<void(GgufWriter&)> str(const std::string& key, const std::string& v) {
    return [key, v](GgufWriter& w) { w.add_string(key, v); };
  }
  // A tensor of F32 zeros... with the given dims (ne0 first) and type.
  static std::function<void(GgufWriter&)> tensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims) {
    return [name, type, dims](GgufWriter& w) {
      const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
      uint64_t n = 1;
      for (uint64_t d : dims) n *= d;
      std::vector<uint8_t> data(n / info->block_size * info->type_size, 0);
      w.add_tensor(name, type, dims, data);
    };
  }
};

TEST_F(HostileModel, ValidFilesLoad) {
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    auto m = load_bytes(rewrite(file(arch), {}));
    EXPECT_TRUE(m.ok()) << arch << ": " << m.error().message;
  }
}

TEST_F(HostileModel, F16AndBF16VectorsAreConvertedToOwnedF32) {
  GgufEdit e;
  e.replace_tensors["blk.0.attn_norm.weight"] = [](GgufWriter& w) {
    std::vector<uint16_t> halves(64, 0x3C00);  // 1.0 in fp16
    halves[5] = 0xC000;                         // -2.0
    w.add_tensor("blk.0.attn_norm.weight", GgmlType::kF16, {64},
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(halves.data()), 128));
  };
  e.replace_tensors["blk.1.ffn_norm.weight"] = [](GgufWriter& w) {
    std::vector<uint16_t> bf(64, 0x3F80);  // 1.0 in bf16
    bf[63] = 0x4040;                       // 3.0
    w.add_tensor("blk.1.ffn_norm.weight", GgmlType::kBF16, {64},
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bf.data()), 128));
  };
  const std::vector<uint8_t> bytes = rewrite(file("llama"), e);
  auto m = load_bytes(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const WeightTensor& a = (*m)->weights().layers[0].attn_norm;
  EXPECT_EQ(a.type, QuantType::kF32);
  EXPECT_EQ(a.row_bytes, 64 * sizeof(float));
  EXPECT_EQ(a.f32()[0], 1.0f);
  EXPECT_EQ(a.f32()[5], -2.0f);
  const WeightTensor& f = (*m)->weights().layers[1].ffn_norm;
  EXPECT_EQ(f.f32()[62], 1.0f);
  EXPECT_EQ(f.f32()[63], 3.0f);
}

TEST_F(HostileModel, UnsupportedArchitecture) {
  GgufEdit e;
  e.replace_keys["general.architecture"] = str("general.architecture", "gemma3");
  expect_error("qwen2", e, {"test.gguf", "unsupported architecture 'gemma3' (supported: llama, qwen2, qwen3)"});
  GgufEdit missing;
  missing.drop_keys = {"general.architecture"};
  expect_error("qwen2", missing, {"general.architecture: missing"});
  GgufEdit wrong_type;
  wrong_type.replace_keys["general.architecture"] = u32("general.architecture", 1);
  expect_error("qwen2", wrong_type, {"general.architecture"});
}

TEST_F(HostileModel, EveryMissingTensorIsNamed) {
  for (const char* arch : {"llama", "qwen2", "qwen3"}) {
    for (const GgufTensorInfo& t : file(arch).tensors()) {
      SCOPED_TRACE(std::string(arch) + " " + std::string(t.name));
      GgufEdit e;
      e.drop_tensors = {std::string(t.name)};
      expect_error(arch, e, {"missing tensor '" + std::string(t.name) + "'", "architecture '" + std::string(arch) + "'"});
    }
  }
}

TEST_F(HostileModel, WrongShapes) {
  GgufEdit e;
  e.replace_tensors["blk.1.attn_k.weight"] = tensor("blk.1.attn_k.weight", GgmlType::kF32, {64, 64});
  expect_error("qwen2", e, {"blk.1.attn_k.weight: expected [32 x 64], got [64 x 64]"});
}

TEST_F(HostileModel, WrongShapesAreNamed) {
  struct Case { const char* arch; const char* name; std::vector<uint64_t> dims; const char* message; };
  const Case cases[] = {
      {"qwen2", "blk.0.attn_q.weight", {64}, "blk.0.attn_q.weight: expected [64 x 64], got [64]"},
      {"qwen2", "blk.0.attn_norm.weight", {32}, "blk.0.attn_norm.weight: expected [64], got [32]"},
      {"qwen2", "blk.0.attn_norm.weight", {64, 1}, "blk.0.attn_norm.weight: expected [64], got [1 x 64]"},
      {"qwen2", "blk.1.attn_v.bias", {64}, "blk.1.attn_v.bias: expected [32], got [64]"},
      {"qwen3", "blk.1.attn_q_norm.weight", {64}, "blk.1.attn_q_norm.weight: expected [16], got [64]"},
      {"llama", "blk.1.ffn_up.weight", {96, 64}, "blk.1.ffn_up.weight: expected [64 x 64], got [64 x 96]"},
      {"llama", "output_norm.weight", {64, 2, 2}, "output_norm.weight: expected [64], got [2 x 2 x 64]"},
      {"llama", "token_embd.weight", {64}, "token_embd.weight: expected 2 dims"},
      {"llama", "token_embd.weight", {32, 300}, "token_embd.weight: expected [300 x 64], got [300 x 32]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    GgufEdit e;
    e.replace_tensors[c.name] = tensor(c.name, GgmlType::kF32, c.dims);
    expect_error(c.arch, e, {c.message});
  }
}

TEST_F(HostileModel, WrongTypes) {
  GgufEdit e;
  e.replace_tensors["blk.0.attn_norm.weight"] = tensor("blk.0.attn_norm.weight", GgmlType::kQ8_0, {64});
  expect_error("llama", e, {"blk.0.attn_norm.weight: tensor type q8_0 is not supported for vectors"});
  e = {};
  e.replace_tensors["blk.0.attn_q.weight"] = tensor("blk.0.attn_q.weight", GgmlType::kI32, {64, 64});
  expect_error("llama", e, {"blk.0.attn_q.weight: tensor type", "not supported for weight matrices"});
  e = {};
  e.replace_tensors["blk.0.attn_q.weight"] = tensor("blk.0.attn_q.weight", GgmlType::kQ8_1, {64, 64});
  expect_error("llama", e, {"blk.0.attn_q.weight: tensor type q8_1 is not supported for weight matrices"});
  e = {};
  e.replace_tensors["blk.0.attn_q.weight"] = tensor("blk.0.attn_q.weight", GgmlType::kQ2_K, {256, 64});
  expect_error("llama", e, {"blk.0.attn_q.weight"});
}

TEST_F(HostileModel, RowLengthNotAMultipleOfTheBlockSize) {
  // A 48-wide model: Q4_0 blocks are 32 wide. The GGUF reader rejects such a tensor before the
  // loader sees it; either way the message names the tensor and the block size.
  GenModelOptions o = tiny_options("llama");
  o.n_embd = 48;
  o.n_head = 3;
  o.n_head_kv = 1;
  const std::vector<uint8_t> valid = testing::read_bytes(testing::gen_model_file(o, "w48.gguf"));
  auto f = GgufFile::parse(valid, "w48.gguf");
  ASSERT_TRUE(f.ok());
  GgufWriter w;
  for (const auto& [key, value] : f->kvs()) {
    if (key != "general.alignment") w.add_value(std::string(key), value);
  }
  for (const GgufTensorInfo& t : f->tensors()) {
    if (t.name == "blk.0.attn_q.weight") {
      // 72 Q8_0 blocks written as [36 x 64] (the writer checks rows), then relabelled [48 x 48].
      std::vector<uint8_t> data(72 * 34, 0);
      w.add_tensor(std::string(t.name), GgmlType::kQ8_0, {64, 36}, data);
    } else {
      w.add_tensor(std::string(t.name), t.type, t.dims, std::span<const uint8_t>(t.data, t.n_bytes));
    }
  }
  std::vector<uint8_t> bytes = w.to_bytes();
  const std::string name = "blk.0.attn_q.weight";
  auto at = std::search(bytes.begin(), bytes.end(), name.begin(), name.end());
  ASSERT_NE(at, bytes.end());
  // name, then n_dims u32 = 2, then ne0 u64 = 64, ne1 u64 = 36.
  uint8_t* dims = &*at + name.size() + 4;
  const uint64_t ne0 = 48, ne1 = 48;
  uint64_t old_ne0 = 0;
  std::memcpy(&old_ne0, dims, 8);
  ASSERT_EQ(old_ne0, 64u);
  std::memcpy(dims, &ne0, 8);
  std::memcpy(dims + 8, &ne1, 8);
  auto m = load_bytes(bytes);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("blk.0.attn_q.weight"), std::string::npos) << m.error().message;
  EXPECT_NE(m.error().message.find("block size 32"), std::string::npos) << m.error().message;
}

TEST_F(HostileModel, BadHyperParameters) {
  struct Case { const char* key; std::function<void(GgufWriter&)> value; const char* message; };
  const Case cases[] = {
      {"qwen2.attention.head_count_kv", u32("qwen2.attention.head_count_kv", 3),
       "qwen2.attention.head_count 4 is not a multiple of qwen2.attention.head_count_kv 3"},
      {"qwen2.attention.head_count_kv", u32("qwen2.attention.head_count_kv", 0), "qwen2.attention.head_count_kv: 0 is out of range"},
      {"qwen2.attention.head_count", u32("qwen2.attention.head_count", 0), "qwen2.attention.head_count: 0 is out of range"},
      {"qwen2.attention.head_count", u32("qwen2.attention.head_count", 5),
       "qwen2.attention.head_count 5 is not a multiple of qwen2.attention.head_count_kv 2"},
      {"qwen2.block_count", u32("qwen2.block_count", 0), "qwen2.block_count: 0 is out of range"},
      {"qwen2.block_count", u64("qwen2.block_count", uint64_t{1} << 40), "qwen2.block_count: 1099511627776 is out of range"},
      {"qwen2.embedding_length", u64("qwen2.embedding_length", uint64_t{1} << 40), "qwen2.embedding_length: 1099511627776 is out of range"},
      {"qwen2.embedding_length", u64("qwen2.embedding_length", ~uint64_t{0}), "qwen2.embedding_length"},
      {"qwen2.embedding_length", str("qwen2.embedding_length", "64"), "qwen2.embedding_length"},
      {"qwen2.feed_forward_length", u32("qwen2.feed_forward_length", 0), "qwen2.feed_forward_length: 0 is out of range"},
      {"qwen2.context_length", u32("qwen2.context_length", 0), "qwen2.context_length: 0 is out of range"},
      {"qwen2.attention.key_length", u32("qwen2.attention.key_length", 1u << 30), "qwen2.attention.key_length"},
      {"qwen2.attention.key_length", u32("qwen2.attention.key_length", 8), "qwen2.attention.value_length 16 differs"},
      {"qwen2.attention.layer_norm_rms_epsilon", f32_key("qwen2.attention.layer_norm_rms_epsilon", -1.0f),
       "qwen2.attention.layer_norm_rms_epsilon"},
      {"qwen2.attention.layer_norm_rms_epsilon",
       f32_key("qwen2.attention.layer_norm_rms_epsilon", std::numeric_limits<float>::quiet_NaN()),
       "qwen2.attention.layer_norm_rms_epsilon"},
      {"qwen2.rope.freq_base", f32_key("qwen2.rope.freq_base", std::numeric_limits<float>::infinity()), "qwen2.rope.freq_base"},
      {"qwen2.rope.dimension_count", u32("qwen2.rope.dimension_count", 15), "qwen2.rope.dimension_count 15 is odd"},
      {"qwen2.rope.dimension_count", u32("qwen2.rope.dimension_count", 32), "qwen2.rope.dimension_count: 32 is out of range"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    GgufEdit e;
    e.replace_keys[c.key] = c.value;
    expect_error("qwen2", e, {c.message});
  }
  // Without key_length, head_dim = n_embd / n_head must divide.
  GgufEdit no_key_length;
  no_key_length.drop_keys = {"qwen2.attention.key_length", "qwen2.attention.value_length"};
  no_key_length.replace_keys["qwen2.attention.head_count"] = u32("qwen2.attention.head_count", 6);
  expect_error("qwen2", no_key_length, {"qwen2.embedding_length 64 is not a multiple of qwen2.attention.head_count 6"});
  for (const char* key : {"qwen2.context_length", "qwen2.embedding_length", "qwen2.block_count",
                          "qwen2.feed_forward_length", "qwen2.attention.head_count",
                          "qwen2.attention.layer_norm_rms_epsilon"}) {
    GgufEdit e;
    e.drop_keys = {key};
    expect_error("qwen2", e, {std::string(key) + ": missing"});
  }
}

TEST_F(HostileModel, RopeScaling) {
  GgufEdit e;
  e.extra.push_back(str("llama.rope.scaling.type", "yarn"));
  expect_error("llama", e, {"llama.rope.scaling.type: 'yarn' is not supported (supported: none, linear)"});
  e = {};
  e.extra.push_back(str("llama.rope.scaling.type", "linear"));
  e.extra.push_back(f32_key("llama.rope.scaling.factor", 0.0f));
  expect_error("llama", e, {"llama.rope.scaling.factor"});
  // rope_freqs.weight: length n_dims / 2, finite positive.
  e = {};
  e.extra.push_back(tensor("rope_freqs.weight", GgmlType::kF32, {16}));
  expect_error("llama", e, {"rope_freqs.weight: expected [8], got [16]"});
  e = {};
  e.extra.push_back(tensor("rope_freqs.weight", GgmlType::kF32, {8}));  // zeros
  expect_error("llama", e, {"rope_freqs.weight[0]", "not a finite positive"});
}

TEST_F(HostileModel, LayerCountAndTensorsDisagree) {
  GgufEdit more;
  more.replace_keys["qwen3.block_count"] = u32("qwen3.block_count", 3);
  expect_error("qwen3", more, {"missing tensor 'blk.2.attn_norm.weight'"});
  GgufEdit fewer;
  fewer.replace_keys["qwen3.block_count"] = u32("qwen3.block_count", 1);
  expect_error("qwen3", fewer, {"unexpected tensor 'blk.1."});
}

TEST_F(HostileModel, UnexpectedTensors) {
  GgufEdit e;
  e.extra.push_back(tensor("blk.0.attn_output.bias", GgmlType::kF32, {64}));
  expect_error("llama", e, {"unexpected tensor 'blk.0.attn_output.bias'", "architecture 'llama'"});
  e = {};  // qwen3 has no attention biases
  e.extra.push_back(tensor("blk.0.attn_q.bias", GgmlType::kF32, {64}));
  expect_error("qwen3", e, {"unexpected tensor 'blk.0.attn_q.bias'"});
}

TEST_F(HostileModel, VocabularyLargerThanEmbeddings) {
  GgufEdit e;
  e.replace_tensors["token_embd.weight"] = tensor("token_embd.weight", GgmlType::kF32, {64, 299});
  expect_error("qwen2", e, {"the tokenizer has 300 tokens but token_embd.weight only 299 rows"});
  // More rows than tokens (padded embeddings) is fine.
  GgufEdit padded;
  padded.replace_tensors["token_embd.weight"] = tensor("token_embd.weight", GgmlType::kF32, {64, 320});
  auto m = load_bytes(rewrite(file("qwen2"), padded));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ((*m)->config().n_vocab, 320);
  EXPECT_EQ((*m)->weights().output.n_rows, 320);
  // Untied output must match token_embd's rows.
  GgufEdit output;
  output.extra.push_back(tensor("output.weight", GgmlType::kF32, {64, 301}));
  expect_error("qwen2", output, {"output.weight: expected [300 x 64], got [301 x 64]"});
}

TEST_F(HostileModel, BrokenTokenizer) {
  GgufEdit e;
  e.drop_keys = {"tokenizer.ggml.tokens"};
  expect_error("qwen2", e, {"tokenizer.ggml.tokens"});
}

TEST_F(HostileModel, TruncatedFiles) {
  const std::vector<uint8_t> valid = rewrite(file("qwen2"), {});
  for (size_t len : {size_t{0}, size_t{3}, size_t{8}, size_t{24}, size_t{100}, valid.size() / 3, valid.size() / 2,
                     valid.size() - 64, valid.size() - 1}) {
    SCOPED_TRACE(len);
    std::vector<uint8_t> cut(valid.begin(), valid.begin() + static_cast<ptrdiff_t>(len));
    auto m = load_bytes(cut);
    ASSERT_FALSE(m.ok());
    EXPECT_FALSE(m.error().message.empty());
  }
  auto missing = Model::load(testing::temp_path("no-such-file.gguf"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no-such-file.gguf"), std::string::npos) << missing.error().message;
}

TEST_F(HostileModel, CorruptedBytesNeverCrash) {
  // Deterministic byte flips over the header and metadata (where the structure lives); each
  // load must either succeed or return an error.
  const std::vector<uint8_t> valid = rewrite(file("qwen3"), {});
  const size_t header = std::min<size_t>(valid.size(), 8192);
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  int failures = 0;
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<uint8_t> bytes = valid;
    for (int k = 0; k < 4; ++k) bytes[next() % header] = static_cast<uint8_t>(next());
    auto m = load_bytes(bytes);
    if (!m.ok()) {
      ++failures;
      EXPECT_FALSE(m.error().message.empty());
    }
  }
  EXPECT_GT(failures, 0);
}

}  // namespace
}  // namespace primer
