// GGUF (v2/v3) model files: a strict, memory-mapped reader and a writer.
//
// File layout (little-endian), per the GGUF specification:
//   magic   "GGUF" (4 bytes)
//   version u32 (2 or 3; v1 used 32-bit counts and is rejected)
//   n_tensors u64, n_kv u64
//   n_kv x { key: string, value_type: u32, value }
//   n_tensors x { name: string, n_dims: u32, dims: u64[n_dims], type: u32 (ggml_type), offset: u64 }
//   padding to `general.alignment` (u32, default 32)
//   tensor data; each tensor at data_start + offset, offset a multiple of the alignment
// where string = { len: u64, bytes[len] } (UTF-8, not NUL-terminated) and an array value is
// { elem_type: u32, count: u64, elems[count] } (arrays of arrays are allowed by the spec).
//
// The reader validates everything before handing out views: magic, version, counts against the
// file size, string lengths, value types, nested-array depth, duplicate keys and tensor names,
// tensor dims (no zero, no overflow), types, offsets, alignment and that every tensor's bytes lie
// inside the file (and that no two tensors' bytes overlap). Errors name the offending key/tensor
// and byte offset: "[gguf] f.gguf: key 'tokenizer.ggml.tokens': array count 1000000000000 of
// string exceeds what the remaining 1234 bytes can hold at offset 56". Limits: n_dims 1..4,
// arrays nested at most 8 deep, bools 0 or 1, general.alignment a u32 power of two. Files
// without tensors may omit the final padding (as ggml accepts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "primer/error.h"
#include "primer/mapped_file.h"

namespace primer {

enum class GgufValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};
const char* gguf_value_type_name(GgufValueType t);

// ggml tensor element types (numbering fixed by the format).
enum class GgmlType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15,
  kI8 = 24, kI16 = 25, kI32 = 26, kI64 = 27, kF64 = 28, kBF16 = 30,
};
// Block geometry: a row of n elements takes (n / block_size) * type_size bytes.
struct GgmlTypeInfo {
  const char* name;
  uint32_t block_size;  // elements per block
  uint32_t type_size;   // bytes per block
};
// Returns nullptr for a type number this build does not know.
const GgmlTypeInfo* ggml_type_info(uint32_t type);

// One metadata value. Scalars are stored widened; strings and arrays are views into the file
// (valid while the GgufFile lives).
struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  // scalar payloads (the one matching `type` is meaningful)
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string_view str;
  // arrays
  GgufValueType elem_type = GgufValueType::kUint8;
  uint64_t count = 0;
  // Numeric arrays: the elements, little-endian, packed. String arrays: the first element's
  // encoding (u64 length, bytes, next length...); read them with string_items(). Views are kept
  // lazy so that a 150k-token vocabulary costs no memory beside the mapped file.
  const uint8_t* raw = nullptr;
  std::vector<GgufValue> items;  // nested arrays (elem_type == kArray)

  // The elements of a string array (empty for any other value). The reader validated every
  // length, so decoding cannot run past the file.
  std::vector<std::string_view> string_items() const;
  // Calls fn(index, string_view) for each element of a string array, without allocating.
  template <class Fn>
  void for_each_string(Fn&& fn) const {
    if (type != GgufValueType::kArray || elem_type != GgufValueType::kString) return;
    const uint8_t* p = raw;
    for (uint64_t k = 0; k < count; ++k) {
      uint64_t len = 0;
      std::memcpy(&len, p, sizeof len);
      fn(k, std::string_view(reinterpret_cast<const char*>(p + sizeof len), static_cast<size_t>(len)));
      p += sizeof len + len;
    }
  }
};

struct GgufTensorInfo {
  std::string_view name;
  GgmlType type = GgmlType::kF32;
  std::vector<uint64_t> dims;  // ne[0] (fastest-varying, row length) first, as ggml stores it
  uint64_t offset = 0;         // relative to the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // inside the mapping
};

class GgufFile {
 public:
  // Maps and parses a file. The GgufFile owns the mapping.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes owned by the caller (must outlive the GgufFile). `name` is used in messages.
  static Result<GgufFile> parse(std::span<const uint8_t> bytes, const std::string& name = "<memory>");

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  // Byte offset of the tensor data section (end of the tensor infos, rounded up to alignment()).
  uint64_t data_offset() const { return data_offset_; }
  const std::string& name() const { return name_; }

  // Metadata, in file order.
  const std::vector<std::pair<std::string_view, GgufValue>>& kvs() const { return kvs_; }
  const GgufValue* find(std::string_view key) const;

  // Typed getters. Each returns an Error naming the key when it is missing or of the wrong type.
  // Integer getters accept any integer type whose value fits.
  Result<std::string_view> get_string(std::string_view key) const;
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;  // f32/f64 (and integers)
  Result<bool> get_bool(std::string_view key) const;
  Result<std::vector<std::string_view>> get_string_array(std::string_view key) const;
  Result<std::vector<float>> get_f32_array(std::string_view key) const;
  Result<std::vector<int32_t>> get_i32_array(std::string_view key) const;  // any integer array

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Drops the metadata's pages (everything before the tensor data) from the resident set once
  // it has been read, e.g. after the tokenizer is built; views stay valid and fault back in.
  void release_metadata_pages() const;
  // Drops the pages lying wholly inside tensor t's data (t from tensors()) from the resident set,
  // e.g. once a copy was made at load (repacking); views stay valid and fault back in.
  void release_tensor_pages(const GgufTensorInfo& t) const;

 private:
  std::string name_;
  std::shared_ptr<MappedFile> file_;  // null when parsing caller-owned bytes
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string_view, GgufValue>> kvs_;
  std::map<std::string_view, size_t> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string_view, size_t> tensor_index_;
};

// An array value for GgufWriter::add_array, by elem_type: numeric/bool elements packed
// little-endian in `raw` (count = raw.size() / element size), `strings`, or nested `arrays`.
struct GgufArray {
  GgufValueType elem_type = GgufValueType::kUint8;
  std::vector<uint8_t> raw;
  std::vector<std::string> strings;
  std::vector<GgufArray> arrays;

  // T: uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, uint64_t, int64_t, double.
  template <class T>
  static GgufArray of(const std::vector<T>& v);
  static GgufArray of_bools(const std::vector<bool>& v);
  static GgufArray of_strings(std::vector<std::string> v);
  static GgufArray of_arrays(std::vector<GgufArray> v);
};

// Builds a GGUF file in memory and writes it. Used by tests (hostile files, tiny models),
// quantization and training export. Keys are written verbatim and in call order: adding a key
// twice writes it twice (the reader rejects that), which hostile-file tests rely on.
class GgufWriter {
 public:
  // Lays tensor data out at multiples of `alignment` (must be > 0) and writes (or replaces)
  // general.alignment. A general.alignment added with add_uint32 is written as given but does
  // not change the layout (hostile-file tests use this).
  void set_alignment(uint32_t alignment);
  void add_uint8(const std::string& key, uint8_t v);
  void add_int8(const std::string& key, int8_t v);
  void add_uint16(const std::string& key, uint16_t v);
  void add_int16(const std::string& key, int16_t v);
  void add_uint32(const std::string& key, uint32_t v);
  void add_int32(const std::string& key, int32_t v);
  void add_uint64(const std::string& key, uint64_t v);
  void add_int64(const std::string& key, int64_t v);
  void add_float32(const std::string& key, float v);
  void add_float64(const std::string& key, double v);
  void add_bool(const std::string& key, bool v);
  void add_string(const std::string& key, const std::string& v);
  void add_string_array(const std::string& key, const std::vector<std::string>& v);
  void add_float32_array(const std::string& key, const std::vector<float>& v);
  void add_int32_array(const std::string& key, const std::vector<int32_t>& v);
  void add_array(const std::string& key, const GgufArray& v);
  // Copies a value read by GgufFile (any type, nested arrays included), e.g. to rewrite a file.
  void add_value(const std::string& key, const GgufValue& v);
  // dims: ne[0] first. `data` must hold exactly the bytes the type and dims imply.
  void add_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& dims,
                  std::span<const uint8_t> data);

  std::vector<uint8_t> to_bytes(uint32_t version = 3) const;
  // Streams the file to path + ".tmp" and renames it into place (atomic on POSIX).
  Status write(const std::string& path, uint32_t version = 3) const;

 private:
  std::vector<uint8_t> header_bytes(uint32_t version) const;
  struct Kv { std::string key; GgufValueType type; std::vector<uint8_t> payload; };
  struct Tensor { std::string name; GgmlType type; std::vector<uint64_t> dims; std::vector<uint8_t> data; };
  std::vector<Kv> kvs_;
  std::vector<Tensor> tensors_;
  uint32_t alignment_ = 32;
};

template <class T>
GgufArray GgufArray::of(const std::vector<T>& v) {
  GgufArray a;
  if constexpr (std::is_same_v<T, uint8_t>) a.elem_type = GgufValueType::kUint8;
  else if constexpr (std::is_same_v<T, int8_t>) a.elem_type = GgufValueType::kInt8;
  else if constexpr (std::is_same_v<T, uint16_t>) a.elem_type = GgufValueType::kUint16;
  else if constexpr (std::is_same_v<T, int16_t>) a.elem_type = GgufValueType::kInt16;
  else if constexpr (std::is_same_v<T, uint32_t>) a.elem_type = GgufValueType::kUint32;
  else if constexpr (std::is_same_v<T, int32_t>) a.elem_type = GgufValueType::kInt32;
  else if constexpr (std::is_same_v<T, float>) a.elem_type = GgufValueType::kFloat32;
  else if constexpr (std::is_same_v<T, uint64_t>) a.elem_type = GgufValueType::kUint64;
  else if constexpr (std::is_same_v<T, int64_t>) a.elem_type = GgufValueType::kInt64;
  else if constexpr (std::is_same_v<T, double>) a.elem_type = GgufValueType::kFloat64;
  else static_assert(sizeof(T) == 0, "GgufArray::of: not a GGUF numeric type");
  a.raw.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(a.raw.data(), v.data(), a.raw.size());  // host is little-endian
  return a;
}

}  // namespace primer
