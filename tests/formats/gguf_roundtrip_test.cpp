// GgufWriter -> GgufFile::parse -> GgufWriter round trips: every value type, arrays, nested
// arrays, tensors of several types and alignments; re-encoding a parsed file gives the same bytes.
#include <cmath>
#include <cstdio>
#include <limits>

#include <gtest/gtest.h>

#include "formats/gguf_test_util.h"
#include "primer/gguf.h"

namespace primer {
namespace {

using testing::add_pattern_tensor;
using testing::pattern_bytes;
using testing::tensor_bytes;

// Rebuilds a writer from a parsed file: kvs verbatim in order, the alignment, tensors in order.
GgufWriter rewrite(const GgufFile& f) {
  GgufWriter w;
  for (const auto& [key, value] : f.kvs()) w.add_value(std::string(key), value);
  if (f.find("general.alignment") != nullptr) w.set_alignment(f.alignment());
  for (const auto& t : f.tensors()) w.add_tensor(std::string(t.name), t.type, t.dims, {t.data, t.n_bytes});
  return w;
}

GgufFile parse_ok(const std::vector<uint8_t>& bytes) {
  auto r = GgufFile::parse(bytes, "test.gguf");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::move(r).value();
}

TEST(GgufRoundTrip, EveryScalarType) {
  GgufWriter w;
  w.add_uint8("u8", 250);
  w.add_int8("i8", -120);
  w.add_uint16("u16", 65000);
  w.add_int16("i16", -32000);
  w.add_uint32("u32", 4000000000u);
  w.add_int32("i32", -2000000000);
  w.add_uint64("u64", 18000000000000000000ull);
  w.add_int64("i64", -9000000000000000000ll);
  w.add_float32("f32", 1.5f);
  w.add_float64("f64", -2.25e300);
  w.add_bool("yes", true);
  w.add_bool("no", false);
  w.add_string("s", "h\xC3\xA9llo");
  w.add_string("empty", "");
  auto bytes = w.to_bytes();
  GgufFile f = parse_ok(bytes);
  EXPECT_EQ(f.version(), 3u);
  ASSERT_EQ(f.kvs().size(), 14u);
  EXPECT_EQ(f.kvs()[0].first, "u8");  // file order kept
  EXPECT_EQ(f.find("u8")->type, GgufValueType::kUint8);
  EXPECT_EQ(*f.get_uint("u8"), 250u);
  EXPECT_EQ(*f.get_int("i8"), -120);
  EXPECT_EQ(*f.get_uint("u16"), 65000u);
  EXPECT_EQ(*f.get_int("i16"), -32000);
  EXPECT_EQ(*f.get_uint("u32"), 4000000000u);
  EXPECT_EQ(*f.get_int("i32"), -2000000000);
  EXPECT_EQ(*f.get_uint("u64"), 18000000000000000000ull);
  EXPECT_EQ(*f.get_int("i64"), -9000000000000000000ll);
  EXPECT_EQ(*f.get_float("f32"), 1.5);
  EXPECT_EQ(*f.get_float("f64"), -2.25e300);
  EXPECT_TRUE(*f.get_bool("yes"));
  EXPECT_FALSE(*f.get_bool("no"));
  EXPECT_EQ(*f.get_string("s"), "h\xC3\xA9llo");
  EXPECT_EQ(*f.get_string("empty"), "");
  EXPECT_EQ(f.find("i64")->type, GgufValueType::kInt64);
  EXPECT_EQ(rewrite(f).to_bytes(), bytes);
}

TEST(GgufRoundTrip, GettersConvertAndReject) {
  GgufWriter w;
  w.add_int32("neg", -5);
  w.add_uint64("big", 1ull << 63);
  w.add_string("s", "x");
  w.add_int32("i", 7);
  auto bytes = w.to_bytes();
  GgufFile f = parse_ok(bytes);
  EXPECT_EQ(*f.get_int("i"), 7);
  EXPECT_EQ(*f.get_uint("i"), 7u);
  EXPECT_EQ(*f.get_float("i"), 7.0);
  auto neg = f.get_uint("neg");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.error().message.find("'neg'"), std::string::npos);
  EXPECT_NE(neg.error().message.find("negative"), std::string::npos);
  EXPECT_FALSE(f.get_int("big").ok());
  auto wrong = f.get_uint("s");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "[gguf] test.gguf: key 's': expected an integer, got string");
  auto missing = f.get_string("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "[gguf] test.gguf: key 'nope' is missing");
  EXPECT_FALSE(f.get_bool("i").ok());
  EXPECT_FALSE(f.get_string_array("s").ok());
}

TEST(GgufRoundTrip, Arrays) {
  GgufWriter w;
  w.add_string_array("strs", {"", "a", "\xE2\x96\x81the", std::string("nul\0in", 6)});
  w.add_int32_array("ints", {1, -2, 3, std::numeric_limits<int32_t>::min()});
  w.add_float32_array("floats", {0.0f, -1.5f, 3.25f});
  w.add_array("u8s", GgufArray::of<uint8_t>({0, 255}));
  w.add_array("i16s", GgufArray::of<int16_t>({-3, 4}));
  w.add_array("u64s", GgufArray::of<uint64_t>({1, 1ull << 40}));
  w.add_array("i64s", GgufArray::of<int64_t>({-1, 5}));
  w.add_array("f64s", GgufArray::of<double>({0.125, -8.0}));
  w.add_array("bools", GgufArray::of_bools({true, false, true}));
  w.add_array("empty", GgufArray::of<uint32_t>({}));
  w.add_array("u32_big", GgufArray::of<uint32_t>({1, 3000000000u}));
  auto bytes = w.to_bytes();
  GgufFile f = parse_ok(bytes);
  auto strs = *f.get_string_array("strs");
  ASSERT_EQ(strs.size(), 4u);
  EXPECT_EQ(strs[0], "");
  EXPECT_EQ(strs[2], "\xE2\x96\x81the");
  EXPECT_EQ(strs[3], std::string_view("nul\0in", 6));
  EXPECT_EQ(*f.get_i32_array("ints"), (std::vector<int32_t>{1, -2, 3, std::numeric_limits<int32_t>::min()}));
  EXPECT_EQ(*f.get_f32_array("floats"), (std::vector<float>{0.0f, -1.5f, 3.25f}));
  EXPECT_EQ(*f.get_i32_array("u8s"), (std::vector<int32_t>{0, 255}));
  EXPECT_EQ(*f.get_i32_array("i16s"), (std::vector<int32_t>{-3, 4}));
  EXPECT_EQ(*f.get_i32_array("i64s"), (std::vector<int32_t>{-1, 5}));
  EXPECT_EQ(*f.get_f32_array("f64s"), (std::vector<float>{0.125f, -8.0f}));
  auto too_big = f.get_i32_array("u64s");
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("'u64s'[1]"), std::string::npos) << too_big.error().message;
  EXPECT_FALSE(f.get_i32_array("u32_big").ok());
  const GgufValue* bools = f.find("bools");
  ASSERT_NE(bools, nullptr);
  EXPECT_EQ(bools->elem_type, GgufValueType::kBool);
  ASSERT_EQ(bools->count, 3u);
  EXPECT_EQ(bools->raw[0], 1);
  EXPECT_EQ(bools->raw[1], 0);
  EXPECT_EQ(f.find("empty")->count, 0u);
  EXPECT_TRUE(f.get_i32_array("empty")->empty());
  EXPECT_FALSE(f.get_f32_array("ints").ok());
  EXPECT_EQ(rewrite(f).to_bytes(), bytes);
}

TEST(GgufRoundTrip, NestedArrays) {
  GgufWriter w;
  w.add_array("nested", GgufArray::of_arrays({
                            GgufArray::of<int32_t>({1, 2}),
                            GgufArray::of_strings({"x", "yz"}),
                            GgufArray::of_arrays({GgufArray::of<float>({0.5f}), GgufArray::of_arrays({})}),
                        }));
  auto bytes = w.to_bytes();
  GgufFile f = parse_ok(bytes);
  const GgufValue* v = f.find("nested");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->type, GgufValueType::kArray);
  EXPECT_EQ(v->elem_type, GgufValueType::kArray);
  ASSERT_EQ(v->items.size(), 3u);
  EXPECT_EQ(v->items[0].elem_type, GgufValueType::kInt32);
  EXPECT_EQ(v->items[0].count, 2u);
  ASSERT_EQ(v->items[1].string_items().size(), 2u);
  EXPECT_EQ(v->items[1].string_items()[1], "yz");
  ASSERT_EQ(v->items[2].items.size(), 2u);
  EXPECT_EQ(v->items[2].items[0].elem_type, GgufValueType::kFloat32);
  EXPECT_EQ(v->items[2].items[1].count, 0u);
  EXPECT_FALSE(f.get_i32_array("nested").ok());
  EXPECT_EQ(rewrite(f).to_bytes(), bytes);
}

// Every tensor's bytes come back, at aligned offsets, for several alignments.
class GgufTensorLayout : public ::testing::TestWithParam<uint32_t> {};

TEST_P(GgufTensorLayout, TensorsOfSeveralTypes) {
  uint32_t alignment = GetParam();
  struct Spec { const char* name; GgmlType type; std::vector<uint64_t> dims; };
  std::vector<Spec> specs = {
      {"f32.1d", GgmlType::kF32, {7}},
      {"f16.2d", GgmlType::kF16, {3, 5}},
      {"bf16.3d", GgmlType::kBF16, {2, 3, 4}},
      {"q4_0", GgmlType::kQ4_0, {64, 2}},
      {"q8_0.4d", GgmlType::kQ8_0, {32, 1, 2, 3}},
      {"q4_K", GgmlType::kQ4_K, {256, 2}},
      {"q6_K", GgmlType::kQ6_K, {512}},
      {"i8", GgmlType::kI8, {5}},
      {"i32", GgmlType::kI32, {3}},
  };
  GgufWriter w;
  w.add_string("general.name", "layout");
  if (alignment != 32) w.set_alignment(alignment);
  for (size_t i = 0; i < specs.size(); ++i) {
    add_pattern_tensor(&w, specs[i].name, specs[i].type, specs[i].dims, static_cast<uint8_t>(i));
  }
  auto bytes = w.to_bytes();
  GgufFile f = parse_ok(bytes);
  EXPECT_EQ(f.alignment(), alignment);
  EXPECT_EQ(f.data_offset() % alignment, 0u);
  ASSERT_EQ(f.tensors().size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const GgufTensorInfo* t = f.find_tensor(specs[i].name);
    ASSERT_NE(t, nullptr) << specs[i].name;
    EXPECT_EQ(t, &f.tensors()[i]);
    EXPECT_EQ(t->type, specs[i].type);
    EXPECT_EQ(t->dims, specs[i].dims);
    EXPECT_EQ(t->offset % alignment, 0u);
    EXPECT_EQ(t->n_bytes, tensor_bytes(specs[i].type, specs[i].dims));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) - reinterpret_cast<uintptr_t>(bytes.data()),
              f.data_offset() + t->offset);
    auto want = pattern_bytes(t->n_bytes, static_cast<uint8_t>(i));
    EXPECT_TRUE(std::equal(want.begin(), want.end(), t->data)) << specs[i].name;
  }
  EXPECT_EQ(f.tensors()[3].n_elements, 128u);
  EXPECT_EQ(bytes.size() % alignment, 0u);  // the last tensor is padded too
  EXPECT_EQ(f.find_tensor("absent"), nullptr);
  EXPECT_EQ(rewrite(f).to_bytes(), bytes);
}

INSTANTIATE_TEST_SUITE_P(Alignments, GgufTensorLayout, ::testing::Values(1u, 8u, 32u, 64u, 4096u));

TEST(GgufRoundTrip, Version2AndFileIo) {
  GgufWriter w = testing::small_writer();
  auto v2 = w.to_bytes(2);
  GgufFile f2 = parse_ok(v2);
  EXPECT_EQ(f2.version(), 2u);
  EXPECT_EQ(rewrite(f2).to_bytes(2), v2);

  std::string path = ::testing::TempDir() + "/primer_gguf_roundtrip.gguf";
  ASSERT_TRUE(w.write(path).ok());
  auto opened = GgufFile::open(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->name(), path);
  EXPECT_EQ(*opened->get_string("general.architecture"), "llama");
  ASSERT_EQ(opened->tensors().size(), 2u);
  EXPECT_EQ(rewrite(*opened).to_bytes(), w.to_bytes());
  // The mapping outlives moves of the GgufFile.
  GgufFile moved = std::move(opened).value();
  EXPECT_EQ((*moved.get_string_array("tokenizer.ggml.tokens"))[2], "c");
  std::remove(path.c_str());

  auto missing = GgufFile::open(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("[gguf]"), std::string::npos);
  EXPECT_NE(missing.error().message.find(path), std::string::npos);
}

TEST(GgufRoundTrip, EmptyFileHasNoPaddingProblem) {
  GgufWriter w;
  auto bytes = w.to_bytes();
  EXPECT_EQ(bytes.size(), 32u);  // 24-byte header padded to 32
  GgufFile f = parse_ok(bytes);
  EXPECT_TRUE(f.kvs().empty());
  EXPECT_TRUE(f.tensors().empty());
  // Files without tensors may omit the trailing padding (ggml accepts those too).
  bytes.resize(24);
  EXPECT_TRUE(GgufFile::parse(bytes).ok());
}

}  // namespace
}  // namespace primer
