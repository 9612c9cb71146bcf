// GGUF writer: metadata and tensors accumulate in memory; to_bytes() lays the file out as
// header, kvs, tensor infos, zero padding to the alignment, then each tensor's data followed
// by zero padding to the alignment (as ggml writes it).
#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>

#include "formats/gguf_internal.h"
#include "primer/gguf.h"

namespace primer {

namespace {

template <class T>
void put(std::vector<uint8_t>* out, T v) {  // little-endian host (checked in gguf_reader.cpp)
  size_t at = out->size();
  out->resize(at + sizeof(T));
  std::memcpy(out->data() + at, &v, sizeof(T));
}

void put_string(std::vector<uint8_t>* out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out->insert(out->end(), s.begin(), s.end());
}

void pad_to(std::vector<uint8_t>* out, uint64_t alignment) {
  out->resize(out->size() + (alignment - out->size() % alignment) % alignment, 0);
}

// Array payload: elem_type u32, count u64, elements.
void put_array(std::vector<uint8_t>* out, const GgufArray& a) {
  put<uint32_t>(out, static_cast<uint32_t>(a.elem_type));
  if (a.elem_type == GgufValueType::kString) {
    put<uint64_t>(out, a.strings.size());
    for (const auto& s : a.strings) put_string(out, s);
  } else if (a.elem_type == GgufValueType::kArray) {
    put<uint64_t>(out, a.arrays.size());
    for (const auto& inner : a.arrays) put_array(out, inner);
  } else {
    size_t elem = gguf_internal::fixed_value_size(a.elem_type);
    PRIMER_CHECK(elem > 0 && a.raw.size() % elem == 0);
    put<uint64_t>(out, a.raw.size() / elem);
    out->insert(out->end(), a.raw.begin(), a.raw.end());
  }
}

// Encodes the payload of a value read by GgufFile (views into its file).
void put_value(std::vector<uint8_t>* out, const GgufValue& v) {
  switch (v.type) {
    case GgufValueType::kUint8: put<uint8_t>(out, static_cast<uint8_t>(v.u)); break;
    case GgufValueType::kInt8: put<int8_t>(out, static_cast<int8_t>(v.i)); break;
    case GgufValueType::kUint16: put<uint16_t>(out, static_cast<uint16_t>(v.u)); break;
    case GgufValueType::kInt16: put<int16_t>(out, static_cast<int16_t>(v.i)); break;
    case GgufValueType::kUint32: put<uint32_t>(out, static_cast<uint32_t>(v.u)); break;
    case GgufValueType::kInt32: put<int32_t>(out, static_cast<int32_t>(v.i)); break;
    case GgufValueType::kUint64: put<uint64_t>(out, v.u); break;
    case GgufValueType::kInt64: put<int64_t>(out, v.i); break;
    case GgufValueType::kFloat32: put<float>(out, static_cast<float>(v.f)); break;
    case GgufValueType::kFloat64: put<double>(out, v.f); break;
    case GgufValueType::kBool: put<uint8_t>(out, v.b ? 1 : 0); break;
    case GgufValueType::kString: put_string(out, v.str); break;
    case GgufValueType::kArray: {
      put<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
      put<uint64_t>(out, v.count);
      if (v.elem_type == GgufValueType::kString) {
        v.for_each_string([&](uint64_t, std::string_view s) { put_string(out, s); });
      } else if (v.elem_type == GgufValueType::kArray) {
        for (const GgufValue& inner : v.items) put_value(out, inner);
      } else if (v.count > 0) {
        out->insert(out->end(), v.raw, v.raw + v.count * gguf_internal::fixed_value_size(v.elem_type));
      }
      break;
    }
  }
}

template <class T>
std::vector<uint8_t> scalar(T v) {
  std::vector<uint8_t> p;
  put<T>(&p, v);
  return p;
}

}  // namespace

GgufArray GgufArray::of_bools(const std::vector<bool>& v) {
  GgufArray a;
  a.elem_type = GgufValueType::kBool;
  for (bool b : v) a.raw.push_back(b ? 1 : 0);
  return a;
}

GgufArray GgufArray::of_strings(std::vector<std::string> v) {
  GgufArray a;
  a.elem_type = GgufValueType::kString;
  a.strings = std::move(v);
  return a;
}

GgufArray GgufArray::of_arrays(std::vector<GgufArray> v) {
  GgufArray a;
  a.elem_type = GgufValueType::kArray;
  a.arrays = std::move(v);
  return a;
}

void GgufWriter::set_alignment(uint32_t alignment) {
  PRIMER_CHECK(alignment > 0);
  alignment_ = alignment;
  for (auto& kv : kvs_) {
    if (kv.key == gguf_internal::kAlignmentKey) {
      kv.type = GgufValueType::kUint32;
      kv.payload = scalar<uint32_t>(alignment);
      return;
    }
  }
  add_uint32(gguf_internal::kAlignmentKey, alignment);
}

void GgufWriter::add_uint8(const std::string& key, uint8_t v) { kvs_.push_back({key, GgufValueType::kUint8, scalar(v)}); }
void GgufWriter::add_int8(const std::string& key, int8_t v) { kvs_.push_back({key, GgufValueType::kInt8, scalar(v)}); }
void GgufWriter::add_uint16(const std::string& key, uint16_t v) { kvs_.push_back({key, GgufValueType::kUint16, scalar(v)}); }
void GgufWriter::add_int16(const std::string& key, int16_t v) { kvs_.push_back({key, GgufValueType::kInt16, scalar(v)}); }
void GgufWriter::add_uint32(const std::string& key, uint32_t v) { kvs_.push_back({key, GgufValueType::kUint32, scalar(v)}); }
void GgufWriter::add_int32(const std::string& key, int32_t v) { kvs_.push_back({key, GgufValueType::kInt32, scalar(v)}); }
void GgufWriter::add_uint64(const std::string& key, uint64_t v) { kvs_.push_back({key, GgufValueType::kUint64, scalar(v)}); }
void GgufWriter::add_int64(const std::string& key, int64_t v) { kvs_.push_back({key, GgufValueType::kInt64, scalar(v)}); }
void GgufWriter::add_float32(const std::string& key, float v) { kvs_.push_back({key, GgufValueType::kFloat32, scalar(v)}); }
void GgufWriter::add_float64(const std::string& key, double v) { kvs_.push_back({key, GgufValueType::kFloat64, scalar(v)}); }
void GgufWriter::add_bool(const std::string& key, bool v) {
  kvs_.push_back({key, GgufValueType::kBool, scalar<uint8_t>(v ? 1 : 0)});
}

void GgufWriter::add_string(const std::string& key, const std::string& v) {
  std::vector<uint8_t> p;
  put_string(&p, v);
  kvs_.push_back({key, GgufValueType::kString, std::move(p)});
}

void GgufWriter::add_array(const std::string& key, const GgufArray& v) {
  std::vector<uint8_t> p;
  put_array(&p, v);
  kvs_.push_back({key, GgufValueType::kArray, std::move(p)});
}

void GgufWriter::add_value(const std::string& key, const GgufValue& v) {
  std::vector<uint8_t> p;
  put_value(&p, v);
  kvs_.push_back({key, v.type, std::move(p)});
}

void GgufWriter::add_string_array(const std::string& key, const std::vector<std::string>& v) {
  add_array(key, GgufArray::of_strings(v));
}
void GgufWriter::add_float32_array(const std::string& key, const std::vector<float>& v) {
  add_array(key, GgufArray::of(v));
}
void GgufWriter::add_int32_array(const std::string& key, const std::vector<int32_t>& v) {
  add_array(key, GgufArray::of(v));
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, const std::vector<uint64_t>& dims,
                            std::span<const uint8_t> data) {
  const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
  PRIMER_CHECK(info != nullptr && !dims.empty() && dims[0] % info->block_size == 0);
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  PRIMER_CHECK(data.size() == n / info->block_size * info->type_size);
  tensors_.push_back({name, type, dims, std::vector<uint8_t>(data.begin(), data.end())});
}

// Header, key/values, tensor infos and the padding up to the data section.
std::vector<uint8_t> GgufWriter::header_bytes(uint32_t version) const {
  std::vector<uint8_t> out;
  out.reserve(64);
  put<uint32_t>(&out, 0x46554747u);  // "GGUF" read as a little-endian u32
  put<uint32_t>(&out, version);
  put<uint64_t>(&out, tensors_.size());
  put<uint64_t>(&out, kvs_.size());
  for (const auto& kv : kvs_) {
    put_string(&out, kv.key);
    put<uint32_t>(&out, static_cast<uint32_t>(kv.type));
    out.insert(out.end(), kv.payload.begin(), kv.payload.end());
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(&out, t.name);
    put<uint32_t>(&out, static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) put<uint64_t>(&out, d);
    put<uint32_t>(&out, static_cast<uint32_t>(t.type));
    put<uint64_t>(&out, offset);
    offset += t.data.size() + (alignment_ - t.data.size() % alignment_) % alignment_;
  }
  pad_to(&out, alignment_);
  return out;
}

std::vector<uint8_t> GgufWriter::to_bytes(uint32_t version) const {
  std::vector<uint8_t> out = header_bytes(version);
  const uint64_t data_start = out.size();
  for (const auto& t : tensors_) {
    out.insert(out.end(), t.data.begin(), t.data.end());
    out.resize(data_start + ((out.size() - data_start + alignment_ - 1) / alignment_) * alignment_, 0);
  }
  return out;
}

// Streams the file (no second copy of the tensor data in memory) to PATH.tmp, then renames it
// over PATH, so a failed write never leaves a truncated model behind or destroys an old one.
Status GgufWriter::write(const std::string& path, uint32_t version) const {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return make_error("[gguf] cannot create '%s': %s", tmp.c_str(), std::strerror(errno));
  const std::vector<uint8_t> header = header_bytes(version);
  bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  static const uint8_t kZeros[256] = {};
  for (const auto& t : tensors_) {
    if (!ok) break;
    if (!t.data.empty()) ok = std::fwrite(t.data.data(), 1, t.data.size(), f) == t.data.size();
    const size_t pad = (alignment_ - t.data.size() % alignment_) % alignment_;
    for (size_t left = pad; ok && left > 0;) {
      const size_t n = std::min(left, sizeof(kZeros));
      ok = std::fwrite(kZeros, 1, n, f) == n;
      left -= n;
    }
  }
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    return make_error("[gguf] error writing '%s': %s", path.c_str(), std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return make_error("[gguf] cannot rename '%s' to '%s': %s", tmp.c_str(), path.c_str(),
                      std::strerror(errno));
  }
  return ok_status();
}

}  // namespace primer
