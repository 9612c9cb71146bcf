// Generator and freshness check for the GGUF fuzz seed corpus in fuzz/corpus/gguf/.
//
// The seeds are tiny valid files written by GgufWriter. This test rebuilds them and fails if
// the committed copies differ. To regenerate after changing the seeds or the writer:
//   PRIMER_WRITE_FUZZ_CORPUS=1 build/tests/primer_formats_tests --gtest_filter='GgufSeedCorpus.*'
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "formats/gguf_test_util.h"
#include "primer/gguf.h"

namespace primer {
namespace {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> out;
  out.emplace_back("empty.gguf", GgufWriter().to_bytes());
  out.emplace_back("small_v3.gguf", testing::small_writer().to_bytes(3));
  out.emplace_back("small_v2.gguf", testing::small_writer().to_bytes(2));
  {
    GgufWriter w;
    w.add_uint8("u8", 1);
    w.add_int8("i8", -1);
    w.add_uint16("u16", 2);
    w.add_int16("i16", -2);
    w.add_uint32("u32", 3);
    w.add_int32("i32", -3);
    w.add_uint64("u64", 4);
    w.add_int64("i64", -4);
    w.add_float32("f32", 0.5f);
    w.add_float64("f64", 0.25);
    w.add_bool("b", true);
    w.add_string("s", "str");
    w.add_array("bools", GgufArray::of_bools({true, false}));
    w.add_array("u16s", GgufArray::of<uint16_t>({1, 2}));
    w.add_array("f64s", GgufArray::of<double>({1.0}));
    w.add_array("nested", GgufArray::of_arrays({GgufArray::of<int32_t>({1}), GgufArray::of_strings({"x"})}));
    out.emplace_back("all_types.gguf", w.to_bytes());
  }
  {
    GgufWriter w;
    w.set_alignment(64);
    w.add_string("tokenizer.ggml.model", "gpt2");
    w.add_string_array("tokenizer.ggml.tokens", {"a", "b", "ab"});
    w.add_string_array("tokenizer.ggml.merges", {"a b"});
    w.add_int32_array("tokenizer.ggml.token_type", {1, 1, 1});
    testing::add_pattern_tensor(&w, "q4_k", GgmlType::kQ4_K, {256}, 3);
    testing::add_pattern_tensor(&w, "f16", GgmlType::kF16, {2, 2, 2, 2}, 4);
    out.emplace_back("tensors_align64.gguf", w.to_bytes());
  }
  {
    GgufWriter w;
    w.add_string("tokenizer.ggml.model", "llama");
    w.add_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "\xE2\x96\x81", "a", "\xE2\x96\x81" "a", "<0x41>"});
    w.add_float32_array("tokenizer.ggml.scores", {0, 0, -1, -2, -0.5f, 0});
    w.add_int32_array("tokenizer.ggml.token_type", {2, 3, 1, 1, 1, 6});
    w.add_uint32("tokenizer.ggml.bos_token_id", 1);
    w.add_bool("tokenizer.ggml.add_bos_token", true);
    out.emplace_back("tokenizer_spm.gguf", w.to_bytes());
  }
  return out;
}

std::string corpus_dir() { return std::string(PRIMER_GOLDEN_DIR) + "/../../fuzz/corpus/gguf"; }

TEST(GgufSeedCorpus, SeedsParse) {
  for (const auto& [name, bytes] : seeds()) {
    auto r = GgufFile::parse(bytes, name);
    EXPECT_TRUE(r.ok()) << name << ": " << r.error().message;
  }
}

TEST(GgufSeedCorpus, CommittedCorpusIsFresh) {
  bool write = std::getenv("PRIMER_WRITE_FUZZ_CORPUS") != nullptr;
  for (const auto& [name, bytes] : seeds()) {
    std::string path = corpus_dir() + "/" + name;
    if (write) {
      fs::create_directories(corpus_dir());
      std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                  static_cast<std::streamsize>(bytes.size()));
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " is missing; regenerate with PRIMER_WRITE_FUZZ_CORPUS=1";
    std::vector<uint8_t> committed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(committed, bytes) << path << " is stale; regenerate with PRIMER_WRITE_FUZZ_CORPUS=1";
  }
}

}  // namespace
}  // namespace primer
