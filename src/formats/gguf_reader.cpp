// GGUF reader: parses and validates a whole file before handing out views (layout and the
// list of checks in include/primer/gguf.h). Every read is bounds-checked against the buffer;
// every count is checked against the bytes left before anything is allocated for it.
#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "formats/gguf_internal.h"
#include "primer/gguf.h"

namespace primer {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader reads little-endian fields with memcpy");

namespace {

using gguf_internal::gguf_error;
using gguf_internal::printable;

// Everything a parse produces; moved into a GgufFile on success.
struct Parsed {
  uint32_t version = 0;
  uint32_t alignment = gguf_internal::kDefaultAlignment;
  uint64_t data_offset = 0;
  std::vector<std::pair<std::string_view, GgufValue>> kvs;
  std::map<std::string_view, size_t> kv_index;
  std::vector<GgufTensorInfo> tensors;
  std::map<std::string_view, size_t> tensor_index;
};

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const std::string& name)
      : data_(bytes.data()), size_(bytes.size()), name_(name) {}

  Result<Parsed> run() {
    PRIMER_TRY(read_header());
    PRIMER_TRY(read_kvs());
    PRIMER_TRY(read_alignment());
    PRIMER_TRY(read_tensor_infos());
    PRIMER_TRY(place_tensors());
    return std::move(out_);
  }

 private:
  uint64_t remaining() const { return size_ - pos_; }

  // "<context>: <what> at offset N"
  Error fail(const std::string& context, const std::string& what, uint64_t offset) const {
    std::string msg = context.empty() ? what : context + ": " + what;
    return gguf_error(name_, msg + " at offset " + std::to_string(offset));
  }

  Status need(uint64_t n, const std::string& context, const char* field) const {
    if (n <= remaining()) return ok_status();
    return fail(context,
                std::string("unexpected end of file reading ") + field + " (need " + std::to_string(n) +
                    " bytes, " + std::to_string(remaining()) + " left)",
                pos_);
  }

  template <class T>
  Status read(T* out, const std::string& context, const char* field) {
    PRIMER_TRY(need(sizeof(T), context, field));
    std::memcpy(out, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return ok_status();
  }

  Status read_string(std::string_view* out, const std::string& context, const char* field) {
    uint64_t start = pos_;
    uint64_t len = 0;
    PRIMER_TRY(read(&len, context, field));
    if (len > remaining()) {
      return fail(context,
                  std::string(field) + " length " + std::to_string(len) + " exceeds the remaining " +
                      std::to_string(remaining()) + " bytes",
                  start);
    }
    *out = std::string_view(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return ok_status();
  }

  Status read_value_type(GgufValueType* out, const std::string& context, const char* field) {
    uint64_t start = pos_;
    uint32_t t = 0;
    PRIMER_TRY(read(&t, context, field));
    if (!gguf_internal::is_valid_value_type(t)) {
      return fail(context, std::string("unknown ") + field + " " + std::to_string(t), start);
    }
    *out = static_cast<GgufValueType>(t);
    return ok_status();
  }

  Status read_header() {
    constexpr uint64_t kHeaderSize = 4 + 4 + 8 + 8;
    if (size_ < 4 || std::memcmp(data_, "GGUF", 4) != 0) {
      std::string got = size_ < 4 ? "a " + std::to_string(size_) + "-byte file"
                                  : "'" + printable(std::string_view(reinterpret_cast<const char*>(data_), 4)) + "'";
      return fail("", "bad magic: expected 'GGUF', got " + got, 0);
    }
    pos_ = 4;
    uint32_t version = 0;
    PRIMER_TRY(read(&version, "header", "version"));
    if (version == 1) {
      return fail("header", "GGUF version 1 is not supported (v1 used 32-bit counts; re-convert the file)", 4);
    }
    if ((version & 0xFFFFu) == 0 && version != 0) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, version);
      return fail("header",
                  std::string("file looks big-endian (version field reads ") + buf +
                      "); only little-endian GGUF is supported",
                  4);
    }
    if (version != 2 && version != 3) {
      return fail("header", "unsupported GGUF version " + std::to_string(version) + " (expected 2 or 3)", 4);
    }
    if (size_ < kHeaderSize) {
      return fail("header", "file is " + std::to_string(size_) + " bytes, too small for the 24-byte header", size_);
    }
    out_.version = version;
    uint64_t n_tensors = 0;
    PRIMER_TRY(read(&n_tensors, "header", "tensor count"));
    PRIMER_TRY(read(&n_kv_, "header", "key count"));
    // Cheapest encodings: a kv is an empty key (8) + type (4) + a 1-byte value; a tensor info
    // is an empty name (8) + n_dims (4) + one dim (8) + type (4) + offset (8).
    constexpr uint64_t kMinKv = 13;
    constexpr uint64_t kMinTensor = 32;
    if (n_kv_ > remaining() / kMinKv) {
      return fail("header",
                  "key count " + std::to_string(n_kv_) + " exceeds what the remaining " +
                      std::to_string(remaining()) + " bytes can hold",
                  16);
    }
    if (n_tensors > remaining() / kMinTensor || n_kv_ * kMinKv + n_tensors * kMinTensor > remaining()) {
      return fail("header",
                  "tensor count " + std::to_string(n_tensors) + " exceeds what the remaining " +
                      std::to_string(remaining()) + " bytes can hold",
                  8);
    }
    n_tensors_ = n_tensors;
    return ok_status();
  }

  Status read_kvs() {
    out_.kvs.reserve(static_cast<size_t>(n_kv_));
    for (uint64_t i = 0; i < n_kv_; ++i) {
      uint64_t start = pos_;
      std::string index_ctx = "key #" + std::to_string(i);
      std::string_view key;
      PRIMER_TRY(read_string(&key, index_ctx, "key"));
      std::string ctx = "key '" + printable(key) + "'";
      if (out_.kv_index.count(key) != 0) return fail(ctx, "duplicate key", start);
      GgufValue value;
      PRIMER_TRY(read_value_type(&value.type, ctx, "value type"));
      PRIMER_TRY(read_value(&value, ctx, 0));
      out_.kv_index.emplace(key, out_.kvs.size());
      out_.kvs.emplace_back(key, std::move(value));
    }
    return ok_status();
  }

  // Reads the payload of a value whose `type` is already set.
  Status read_value(GgufValue* v, const std::string& ctx, int depth) {
    uint64_t start = pos_;
    switch (v->type) {
      case GgufValueType::kUint8: { uint8_t x = 0; PRIMER_TRY(read(&x, ctx, "u8 value")); v->u = x; break; }
      case GgufValueType::kInt8: { int8_t x = 0; PRIMER_TRY(read(&x, ctx, "i8 value")); v->i = x; break; }
      case GgufValueType::kUint16: { uint16_t x = 0; PRIMER_TRY(read(&x, ctx, "u16 value")); v->u = x; break; }
      case GgufValueType::kInt16: { int16_t x = 0; PRIMER_TRY(read(&x, ctx, "i16 value")); v->i = x; break; }
      case GgufValueType::kUint32: { uint32_t x = 0; PRIMER_TRY(read(&x, ctx, "u32 value")); v->u = x; break; }
      case GgufValueType::kInt32: { int32_t x = 0; PRIMER_TRY(read(&x, ctx, "i32 value")); v->i = x; break; }
      case GgufValueType::kUint64: { uint64_t x = 0; PRIMER_TRY(read(&x, ctx, "u64 value")); v->u = x; break; }
      case GgufValueType::kInt64: { int64_t x = 0; PRIMER_TRY(read(&x, ctx, "i64 value")); v->i = x; break; }
      case GgufValueType::kFloat32: { float x = 0; PRIMER_TRY(read(&x, ctx, "f32 value")); v->f = x; break; }
      case GgufValueType::kFloat64: { double x = 0; PRIMER_TRY(read(&x, ctx, "f64 value")); v->f = x; break; }
      case GgufValueType::kBool: {
        uint8_t x = 0;
        PRIMER_TRY(read(&x, ctx, "bool value"));
        if (x > 1) return fail(ctx, "bool value " + std::to_string(x) + " is neither 0 nor 1", start);
        v->b = x != 0;
        break;
      }
      case GgufValueType::kString: PRIMER_TRY(read_string(&v->str, ctx, "string")); break;
      case GgufValueType::kArray: PRIMER_TRY(read_array(v, ctx, depth + 1)); break;
    }
    return ok_status();
  }

  // Array payload: elem_type u32, count u64, elements.
  Status read_array(GgufValue* v, const std::string& ctx, int depth) {
    uint64_t start = pos_;
    if (depth > gguf_internal::kMaxArrayDepth) {
      return fail(ctx, "arrays nested deeper than " + std::to_string(gguf_internal::kMaxArrayDepth), start);
    }
    PRIMER_TRY(read_value_type(&v->elem_type, ctx, "array element type"));
    uint64_t count_at = pos_;
    PRIMER_TRY(read(&v->count, ctx, "array count"));
    uint64_t min_size = gguf_internal::min_encoded_size(v->elem_type);
    if (v->count > remaining() / min_size) {
      return fail(ctx,
                  "array count " + std::to_string(v->count) + " of " + gguf_value_type_name(v->elem_type) +
                      " exceeds what the remaining " + std::to_string(remaining()) + " bytes can hold",
                  count_at);
    }
    size_t n = static_cast<size_t>(v->count);
    switch (v->elem_type) {
      case GgufValueType::kString:
        v->raw = data_ + pos_;
        for (size_t k = 0; k < n; ++k) {
          uint64_t at = pos_;
          std::string_view ignored;
          if (!read_string(&ignored, ctx, "string").ok()) {  // cheap check; the message is built on failure only
            pos_ = at;
            return read_string(&ignored, ctx + "[" + std::to_string(k) + "]", "string");
          }
        }
        break;
      case GgufValueType::kArray:
        v->items.resize(n);
        for (size_t k = 0; k < n; ++k) {
          v->items[k].type = GgufValueType::kArray;
          PRIMER_TRY(read_array(&v->items[k], ctx + "[" + std::to_string(k) + "]", depth + 1));
        }
        break;
      default: {
        v->raw = data_ + pos_;
        if (v->elem_type == GgufValueType::kBool) {
          for (size_t k = 0; k < n; ++k) {
            if (v->raw[k] > 1) {
              return fail(ctx + "[" + std::to_string(k) + "]",
                          "bool value " + std::to_string(v->raw[k]) + " is neither 0 nor 1", pos_ + k);
            }
          }
        }
        pos_ += n * min_size;  // fits: checked against remaining() above
        break;
      }
    }
    return ok_status();
  }

  Status read_alignment() {
    auto it = out_.kv_index.find(gguf_internal::kAlignmentKey);
    if (it == out_.kv_index.end()) return ok_status();
    const GgufValue& v = out_.kvs[it->second].second;
    std::string ctx = std::string("key '") + gguf_internal::kAlignmentKey + "'";
    if (v.type != GgufValueType::kUint32) {
      return gguf_error(name_, ctx + ": expected type u32, got " + gguf_value_type_name(v.type));
    }
    if (v.u == 0 || !std::has_single_bit(v.u)) {
      return gguf_error(name_, ctx + ": alignment " + std::to_string(v.u) + " is not a power of two");
    }
    out_.alignment = static_cast<uint32_t>(v.u);
    return ok_status();
  }

  Status read_tensor_infos() {
    out_.tensors.reserve(static_cast<size_t>(n_tensors_));
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      uint64_t start = pos_;
      GgufTensorInfo t;
      PRIMER_TRY(read_string(&t.name, "tensor #" + std::to_string(i), "tensor name"));
      std::string ctx = "tensor '" + printable(t.name) + "'";
      if (out_.tensor_index.count(t.name) != 0) return fail(ctx, "duplicate tensor name", start);
      uint64_t dims_at = pos_;
      uint32_t n_dims = 0;
      PRIMER_TRY(read(&n_dims, ctx, "n_dims"));
      if (n_dims == 0 || n_dims > gguf_internal::kMaxDims) {
        return fail(ctx, "n_dims " + std::to_string(n_dims) + " is outside 1.." + std::to_string(gguf_internal::kMaxDims),
                    dims_at);
      }
      t.dims.resize(n_dims);
      uint64_t n_elements = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        uint64_t at = pos_;
        PRIMER_TRY(read(&t.dims[d], ctx, "dim"));
        std::string dim = "dim " + std::to_string(d) + " (" + std::to_string(t.dims[d]) + ")";
        if (t.dims[d] == 0) return fail(ctx, dim + " is zero", at);
        // ggml keeps dims and element counts in int64_t.
        if (__builtin_mul_overflow(n_elements, t.dims[d], &n_elements) ||
            n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return fail(ctx, dim + ": element count overflows int64", at);
        }
      }
      t.n_elements = n_elements;
      uint64_t type_at = pos_;
      uint32_t type = 0;
      PRIMER_TRY(read(&type, ctx, "type"));
      const GgmlTypeInfo* info = ggml_type_info(type);
      if (info == nullptr) return fail(ctx, "unknown ggml type " + std::to_string(type), type_at);
      t.type = static_cast<GgmlType>(type);
      if (t.dims[0] % info->block_size != 0) {
        return fail(ctx,
                    "row length " + std::to_string(t.dims[0]) + " is not a multiple of the " + info->name +
                        " block size " + std::to_string(info->block_size),
                    dims_at);
      }
      if (__builtin_mul_overflow(n_elements / info->block_size, static_cast<uint64_t>(info->type_size), &t.n_bytes)) {
        return fail(ctx, "byte size overflows", type_at);
      }
      uint64_t offset_at = pos_;
      PRIMER_TRY(read(&t.offset, ctx, "offset"));
      if (t.offset % out_.alignment != 0) {
        return fail(ctx,
                    "data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                        std::to_string(out_.alignment),
                    offset_at);
      }
      info_offsets_.push_back(start);
      out_.tensor_index.emplace(t.name, out_.tensors.size());
      out_.tensors.push_back(std::move(t));
    }
    return ok_status();
  }

  // Checks every tensor's bytes lie in the data section and no two overlap; sets data pointers.
  Status place_tensors() {
    uint64_t a = out_.alignment;
    uint64_t data_offset = pos_ + (a - pos_ % a) % a;  // pos_ <= size_, so no overflow
    out_.data_offset = data_offset;
    uint64_t data_size = data_offset <= size_ ? size_ - data_offset : 0;
    for (size_t i = 0; i < out_.tensors.size(); ++i) {
      GgufTensorInfo& t = out_.tensors[i];
      if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
        return fail("tensor '" + printable(t.name) + "'",
                    "data [" + std::to_string(t.offset) + ", +" + std::to_string(t.n_bytes) +
                        ") runs past the end of the file (data section holds " + std::to_string(data_size) +
                        " bytes from offset " + std::to_string(data_offset) + ")",
                    info_offsets_[i]);
      }
      t.data = data_ + data_offset + t.offset;
    }
    std::vector<size_t> order(out_.tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return out_.tensors[x].offset < out_.tensors[y].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const GgufTensorInfo& prev = out_.tensors[order[k - 1]];
      const GgufTensorInfo& cur = out_.tensors[order[k]];
      if (prev.offset + prev.n_bytes > cur.offset) {
        return fail("tensor '" + printable(cur.name) + "'",
                    "data at " + std::to_string(cur.offset) + " overlaps tensor '" + printable(prev.name) +
                        "' [" + std::to_string(prev.offset) + ", +" + std::to_string(prev.n_bytes) + ")",
                    info_offsets_[order[k]]);
      }
    }
    return ok_status();
  }

  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
  const std::string& name_;
  uint64_t n_kv_ = 0;
  uint64_t n_tensors_ = 0;
  std::vector<uint64_t> info_offsets_;  // where each tensor info starts, for messages
  Parsed out_;
};

}  // namespace

namespace gguf_internal {

std::string printable(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out;
  size_t i = 0;
  for (; i < s.size() && out.size() < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    }
  }
  if (i < s.size()) out += "...";
  return out;
}

Error gguf_error(const std::string& file, const std::string& what) { return Error{"[gguf] " + file + ": " + what}; }

}  // namespace gguf_internal

Result<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, const std::string& name) {
  Parser parser(bytes, name);
  PRIMER_ASSIGN_OR_RETURN(Parsed p, parser.run());
  GgufFile f;
  f.name_ = name;
  f.version_ = p.version;
  f.alignment_ = p.alignment;
  f.data_offset_ = p.data_offset;
  f.kvs_ = std::move(p.kvs);
  f.kv_index_ = std::move(p.kv_index);
  f.tensors_ = std::move(p.tensors);
  f.tensor_index_ = std::move(p.tensor_index);
  return f;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.error().wrap("[gguf]");
  auto file = std::make_shared<MappedFile>(std::move(mapped).value());
  PRIMER_ASSIGN_OR_RETURN(GgufFile f, parse(std::span<const uint8_t>(file->data(), file->size()), path));
  f.file_ = std::move(file);
  return f;
}

}  // namespace primer
