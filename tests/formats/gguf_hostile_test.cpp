// Hostile GGUF files: a valid written file with one field corrupted at a time. Each must give a
// clear Error (never a crash, never an out-of-bounds read: this suite also runs under ASan).
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "formats/gguf_test_util.h"
#include "primer/gguf.h"

namespace primer {
namespace {

using Bytes = std::vector<uint8_t>;

// Offset just past the first occurrence of `s` in `b` (fields follow their key/name string).
size_t after(const Bytes& b, std::string_view s) {
  for (size_t i = 0; i + s.size() <= b.size(); ++i) {
    if (std::memcmp(b.data() + i, s.data(), s.size()) == 0) return i + s.size();
  }
  ADD_FAILURE() << "'" << s << "' not found";
  return 0;
}

template <class T>
void poke(Bytes* b, size_t at, T v) {
  ASSERT_LE(at + sizeof(T), b->size());
  std::memcpy(b->data() + at, &v, sizeof(T));
}

// Parses and expects an Error containing every fragment.
void expect_error(const Bytes& b, std::initializer_list<std::string> fragments) {
  auto r = GgufFile::parse(b, "bad.gguf");
  ASSERT_FALSE(r.ok()) << "parsed a corrupt file";
  const std::string& msg = r.error().message;
  EXPECT_EQ(msg.rfind("[gguf] bad.gguf: ", 0), 0u) << msg;
  for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
}

Bytes small_file() { return testing::small_writer().to_bytes(); }

// Layout of small_writer(): header is magic(4) version(4) n_tensors(8) n_kv(8).
constexpr size_t kTensorCountAt = 8;
constexpr size_t kKvCountAt = 16;

TEST(GgufHostile, BaseFileIsValid) {
  auto r = GgufFile::parse(small_file(), "bad.gguf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tensors().size(), 2u);
}

TEST(GgufHostile, TruncatedAtEveryByte) {
  Bytes full = small_file();
  GgufFile f = std::move(GgufFile::parse(full)).value();
  const GgufTensorInfo& last = f.tensors().back();
  uint64_t data_end = f.data_offset() + last.offset + last.n_bytes;
  for (size_t cut = 0; cut < full.size(); ++cut) {
    Bytes b(full.begin(), full.begin() + cut);
    auto r = GgufFile::parse(b, "bad.gguf");
    if (cut < data_end) {
      ASSERT_FALSE(r.ok()) << "cut at " << cut;
      EXPECT_EQ(r.error().message.rfind("[gguf] bad.gguf: ", 0), 0u) << r.error().message;
    } else {
      EXPECT_TRUE(r.ok()) << "cut at " << cut << " only drops padding: " << r.error().message;
    }
  }
  expect_error(Bytes(full.begin(), full.begin() + 12), {"12 bytes, too small for the 24-byte header"});
  expect_error(Bytes(full.begin(), full.begin() + 6), {"unexpected end of file reading version"});
  expect_error(Bytes(full.begin(), full.begin() + static_cast<long>(after(full, "tokenizer.ggml.sco"))),
               {"key #3", "key length 21 exceeds the remaining"});
  // Cut so early that the declared counts cannot fit: the size guard answers first.
  expect_error(Bytes(full.begin(), full.begin() + static_cast<long>(after(full, "general.arch"))),
               {"header: key count 4 exceeds what the remaining"});
  expect_error(Bytes(full.begin(), full.begin() + static_cast<long>(data_end - 1)),
               {"tensor 'blk.0.attn_q.weight'", "runs past the end of the file"});
}

TEST(GgufHostile, MagicAndVersion) {
  Bytes b = small_file();
  b[0] = 'G'; b[1] = 'G'; b[2] = 'M'; b[3] = 'L';
  expect_error(b, {"bad magic", "'GGML'", "at offset 0"});
  expect_error(Bytes{}, {"bad magic", "0-byte file"});

  b = small_file();
  poke<uint32_t>(&b, 4, 1);
  expect_error(b, {"version 1 is not supported", "at offset 4"});
  poke<uint32_t>(&b, 4, 4);
  expect_error(b, {"unsupported GGUF version 4"});
  poke<uint32_t>(&b, 4, 0x03000000);  // version 3 written big-endian
  expect_error(b, {"big-endian", "0x03000000"});
  poke<uint32_t>(&b, 4, 0x02000000);
  expect_error(b, {"big-endian"});
}

TEST(GgufHostile, HugeCountsFailFast) {
  Bytes b = small_file();
  poke<uint64_t>(&b, kKvCountAt, 1ull << 60);
  expect_error(b, {"key count 1152921504606846976", "at offset 16"});
  b = small_file();
  poke<uint64_t>(&b, kTensorCountAt, 1ull << 60);
  expect_error(b, {"tensor count 1152921504606846976"});
  b = small_file();
  poke<uint64_t>(&b, kTensorCountAt, ~0ull);
  expect_error(b, {"tensor count"});
  // More kvs than there are (but few enough to pass the size guard): runs off the tensor infos.
  b = small_file();
  poke<uint64_t>(&b, kKvCountAt, 5);
  expect_error(b, {});

  // Array count of the token list.
  b = small_file();
  size_t tokens = after(b, "tokenizer.ggml.tokens");  // then type u32, elem type u32, count u64
  poke<uint64_t>(&b, tokens + 8, 1ull << 60);
  expect_error(b, {"key 'tokenizer.ggml.tokens'", "array count 1152921504606846976 of string",
                   "at offset " + std::to_string(tokens + 8)});
  b = small_file();
  size_t scores = after(b, "tokenizer.ggml.scores");
  poke<uint64_t>(&b, scores + 8, (1ull << 62) + 1);  // * 4 bytes would wrap to 4
  expect_error(b, {"key 'tokenizer.ggml.scores'", "array count"});
}

TEST(GgufHostile, StringLengths) {
  Bytes b = small_file();
  // Length of the first key ("general.architecture") is at offset 24.
  poke<uint64_t>(&b, 24, 1ull << 60);
  expect_error(b, {"key #0", "key length 1152921504606846976 exceeds the remaining", "at offset 24"});
  b = small_file();
  size_t value = after(b, "general.architecture") + 4;  // string value: u64 length
  poke<uint64_t>(&b, value, b.size());
  expect_error(b, {"key 'general.architecture'", "string length", "exceeds"});
  b = small_file();
  size_t tokens = after(b, "tokenizer.ggml.tokens") + 4 + 4 + 8;  // first element's length
  poke<uint64_t>(&b, tokens, ~0ull);
  expect_error(b, {"key 'tokenizer.ggml.tokens'[0]", "string length 18446744073709551615"});
  b = small_file();
  size_t name = after(b, "tok_embd.weight") - std::strlen("tok_embd.weight") - 8;
  poke<uint64_t>(&b, name, 1ull << 40);
  expect_error(b, {"tensor #0", "tensor name length"});
}

TEST(GgufHostile, BadValueTypes) {
  Bytes b = small_file();
  size_t type_at = after(b, "llama.block_count");
  poke<uint32_t>(&b, type_at, 13);
  expect_error(b, {"key 'llama.block_count'", "unknown value type 13", "at offset " + std::to_string(type_at)});
  poke<uint32_t>(&b, type_at, 0xFFFFFFFF);
  expect_error(b, {"unknown value type 4294967295"});
  b = small_file();
  size_t elem_at = after(b, "tokenizer.ggml.scores") + 4;
  poke<uint32_t>(&b, elem_at, 99);
  expect_error(b, {"key 'tokenizer.ggml.scores'", "unknown array element type 99"});
}

TEST(GgufHostile, BoolsMustBeZeroOrOne) {
  GgufWriter w;
  w.add_bool("flag", true);
  w.add_array("flags", GgufArray::of_bools({false, true}));
  Bytes b = w.to_bytes();
  poke<uint8_t>(&b, after(b, "flag") + 4, 2);
  expect_error(b, {"key 'flag'", "bool value 2"});
  b = w.to_bytes();
  poke<uint8_t>(&b, after(b, "flags") + 4 + 4 + 8 + 1, 7);
  expect_error(b, {"key 'flags'[1]", "bool value 7"});
}

TEST(GgufHostile, DuplicateKeysAndTensors) {
  GgufWriter w;
  w.add_uint32("a.key", 1);
  w.add_string("a.key", "again");
  expect_error(w.to_bytes(), {"key 'a.key'", "duplicate key"});

  GgufWriter t;
  testing::add_pattern_tensor(&t, "w", GgmlType::kF32, {4}, 0);
  testing::add_pattern_tensor(&t, "w", GgmlType::kF32, {4}, 1);
  expect_error(t.to_bytes(), {"tensor 'w'", "duplicate tensor name"});
}

TEST(GgufHostile, NestingDepth) {
  auto nest = [](int depth) {
    GgufArray a = GgufArray::of<int32_t>({1});
    for (int i = 1; i < depth; ++i) a = GgufArray::of_arrays({a});
    GgufWriter w;
    w.add_array("deep", a);
    return w.to_bytes();
  };
  EXPECT_TRUE(GgufFile::parse(nest(8)).ok());
  expect_error(nest(9), {"key 'deep'", "nested deeper than 8"});
  expect_error(nest(1000), {"nested deeper than 8"});
}

TEST(GgufHostile, Alignment) {
  auto with = [](auto add) {
    GgufWriter w;
    add(&w);
    testing::add_pattern_tensor(&w, "t", GgmlType::kF32, {8}, 0);
    return w.to_bytes();
  };
  expect_error(with([](GgufWriter* w) { w->add_uint64("general.alignment", 64); }),
               {"key 'general.alignment'", "expected type u32, got u64"});
  expect_error(with([](GgufWriter* w) { w->add_uint32("general.alignment", 0); }), {"alignment 0 is not a power of two"});
  expect_error(with([](GgufWriter* w) { w->add_uint32("general.alignment", 48); }), {"alignment 48 is not a power of two"});
  // Declared alignment larger than the layout used: the second tensor's offset is misaligned.
  GgufWriter w;
  w.add_uint32("general.alignment", 64);
  testing::add_pattern_tensor(&w, "t0", GgmlType::kF32, {8}, 0);
  testing::add_pattern_tensor(&w, "t1", GgmlType::kF32, {8}, 0);
  expect_error(w.to_bytes(), {"tensor 't1'", "data offset 32 is not a multiple of the alignment 64"});
}

// Tensor info of "blk.0.attn_q.weight" in small_file(): n_dims u32, dims u64[2], type u32, offset u64.
struct QInfo {
  size_t n_dims, dim0, dim1, type, offset;
};
QInfo q_info(const Bytes& b) {
  size_t at = after(b, "blk.0.attn_q.weight");
  return {at, at + 4, at + 12, at + 20, at + 24};
}

TEST(GgufHostile, TensorDims) {
  Bytes b = small_file();
  QInfo q = q_info(b);
  poke<uint32_t>(&b, q.n_dims, 5);
  expect_error(b, {"tensor 'blk.0.attn_q.weight'", "n_dims 5 is outside 1..4", "at offset " + std::to_string(q.n_dims)});
  poke<uint32_t>(&b, q.n_dims, 0);
  expect_error(b, {"n_dims 0"});
  poke<uint32_t>(&b, q.n_dims, 0xFFFFFFFF);
  expect_error(b, {"n_dims 4294967295"});

  b = small_file();
  poke<uint64_t>(&b, q.dim1, 0);
  expect_error(b, {"tensor 'blk.0.attn_q.weight'", "dim 1 (0) is zero"});
  b = small_file();
  poke<uint64_t>(&b, q.dim0, 1ull << 40);
  poke<uint64_t>(&b, q.dim1, 1ull << 40);
  expect_error(b, {"dim 1", "overflows int64"});
  b = small_file();
  poke<uint64_t>(&b, q.dim0, 1ull << 63);
  poke<uint64_t>(&b, q.dim1, 1);
  expect_error(b, {"dim 0", "overflows int64"});
  // Large but representable: the size check against the file catches it.
  b = small_file();
  poke<uint64_t>(&b, q.dim0, 1ull << 40);
  expect_error(b, {"runs past the end of the file"});
  // Q8_0 rows must hold whole 32-element blocks.
  b = small_file();
  poke<uint64_t>(&b, q.dim0, 16);
  poke<uint64_t>(&b, q.dim1, 4);
  expect_error(b, {"row length 16 is not a multiple of the q8_0 block size 32"});
}

TEST(GgufHostile, TensorTypes) {
  Bytes b = small_file();
  QInfo q = q_info(b);
  for (uint32_t bad : {4u, 5u, 31u, 40u, 1000u}) {
    poke<uint32_t>(&b, q.type, bad);
    expect_error(b, {"tensor 'blk.0.attn_q.weight'", "unknown ggml type " + std::to_string(bad),
                     "at offset " + std::to_string(q.type)});
  }
}

TEST(GgufHostile, TensorOffsets) {
  Bytes b = small_file();
  QInfo q = q_info(b);
  poke<uint64_t>(&b, q.offset, 36);
  expect_error(b, {"tensor 'blk.0.attn_q.weight'", "data offset 36 is not a multiple of the alignment 32"});
  poke<uint64_t>(&b, q.offset, 1ull << 62);
  expect_error(b, {"runs past the end of the file"});
  poke<uint64_t>(&b, q.offset, ~0ull - 31);  // aligned, and offset + size would wrap
  expect_error(b, {"runs past the end of the file"});
  poke<uint64_t>(&b, q.offset, 0);  // now shares bytes with tok_embd.weight
  expect_error(b, {"overlaps tensor", "tok_embd.weight"});
}

TEST(GgufHostile, OverlapAndOrderIndependence) {
  // Tensors may be stored out of order as long as they do not overlap.
  GgufWriter w;
  testing::add_pattern_tensor(&w, "a", GgmlType::kF32, {8}, 0);
  testing::add_pattern_tensor(&w, "b", GgmlType::kF32, {8}, 0);
  Bytes b = w.to_bytes();
  size_t a_off = after(b, "a") + 4 + 8 + 4;
  size_t b_off = after(b, "b") + 4 + 8 + 4;
  poke<uint64_t>(&b, a_off, 32);
  poke<uint64_t>(&b, b_off, 0);
  EXPECT_TRUE(GgufFile::parse(b).ok());
  // A larger tensor covering the next one's start.
  GgufWriter big;
  testing::add_pattern_tensor(&big, "a", GgmlType::kF32, {16}, 0);  // 64 bytes
  testing::add_pattern_tensor(&big, "b", GgmlType::kF32, {8}, 0);
  b = big.to_bytes();
  poke<uint64_t>(&b, after(b, "b") + 4 + 8 + 4, 32);
  expect_error(b, {"tensor 'b'", "overlaps tensor 'a'"});
}

TEST(GgufHostile, UnprintableNamesAreEscaped) {
  GgufWriter w;
  w.add_uint32(std::string("bad\x01key\xFF", 8), 1);
  w.add_uint32(std::string("bad\x01key\xFF", 8), 2);
  expect_error(w.to_bytes(), {"key 'bad\\x01key\\xFF'", "duplicate key"});
}

// Every single-byte corruption of the header region parses or fails cleanly.
TEST(GgufHostile, EveryByteFlipped) {
  Bytes full = small_file();
  GgufFile f = std::move(GgufFile::parse(full)).value();
  for (size_t at = 0; at < f.data_offset(); ++at) {
    for (uint8_t x : {0x01, 0x80, 0xFF}) {
      Bytes b = full;
      b[at] ^= x;
      auto r = GgufFile::parse(b, "bad.gguf");
      if (!r.ok()) {
        EXPECT_EQ(r.error().message.rfind("[gguf] bad.gguf: ", 0), 0u) << r.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace primer
