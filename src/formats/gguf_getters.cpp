// Typed metadata getters of GgufFile. Integer getters accept any integer type whose value
// fits; array getters convert element by element with range checks.
#include <cmath>
#include <cstring>
#include <limits>

#include "formats/gguf_internal.h"
#include "primer/gguf.h"

namespace primer {

namespace {

using gguf_internal::gguf_error;
using gguf_internal::printable;

bool is_unsigned(GgufValueType t) {
  return t == GgufValueType::kUint8 || t == GgufValueType::kUint16 || t == GgufValueType::kUint32 ||
         t == GgufValueType::kUint64;
}
bool is_signed(GgufValueType t) {
  return t == GgufValueType::kInt8 || t == GgufValueType::kInt16 || t == GgufValueType::kInt32 ||
         t == GgufValueType::kInt64;
}

// Element k of a packed numeric array, as the widened representation GgufValue uses for scalars.
struct Number {
  bool is_int = false;
  bool negative = false;  // for ints: value < 0 (then `i` holds it)
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
};

template <class T>
T load(const uint8_t* p) {
  T x;
  std::memcpy(&x, p, sizeof(T));
  return x;
}

Number element(const GgufValue& v, uint64_t k) {
  const uint8_t* p = v.raw + k * gguf_internal::fixed_value_size(v.elem_type);
  Number n;
  auto set_signed = [&](int64_t x) { n.is_int = true; n.i = x; n.negative = x < 0; n.u = static_cast<uint64_t>(x); n.f = static_cast<double>(x); };
  auto set_unsigned = [&](uint64_t x) { n.is_int = true; n.u = x; n.i = static_cast<int64_t>(x); n.f = static_cast<double>(x); };
  switch (v.elem_type) {
    case GgufValueType::kUint8: set_unsigned(load<uint8_t>(p)); break;
    case GgufValueType::kInt8: set_signed(load<int8_t>(p)); break;
    case GgufValueType::kUint16: set_unsigned(load<uint16_t>(p)); break;
    case GgufValueType::kInt16: set_signed(load<int16_t>(p)); break;
    case GgufValueType::kUint32: set_unsigned(load<uint32_t>(p)); break;
    case GgufValueType::kInt32: set_signed(load<int32_t>(p)); break;
    case GgufValueType::kUint64: set_unsigned(load<uint64_t>(p)); break;
    case GgufValueType::kInt64: set_signed(load<int64_t>(p)); break;
    case GgufValueType::kFloat32: n.f = load<float>(p); break;
    case GgufValueType::kFloat64: n.f = load<double>(p); break;
    default: break;
  }
  return n;
}

}  // namespace

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void GgufFile::release_metadata_pages() const {
  if (file_) file_->release_pages(0, static_cast<size_t>(data_offset_));
}

void GgufFile::release_tensor_pages(const GgufTensorInfo& t) const {
  if (!file_ || t.data == nullptr) return;
  file_->release_pages(static_cast<size_t>(t.data - file_->data()), static_cast<size_t>(t.n_bytes));
}

namespace {

Result<const GgufValue*> lookup(const GgufFile& f, std::string_view key) {
  const GgufValue* v = f.find(key);
  if (v == nullptr) return gguf_error(f.name(), "key '" + printable(key) + "' is missing");
  return v;
}

Error wrong_type(const std::string& file, std::string_view key, const char* want, const GgufValue& v) {
  std::string got = gguf_value_type_name(v.type);
  if (v.type == GgufValueType::kArray) got += std::string(" of ") + gguf_value_type_name(v.elem_type);
  return gguf_error(file, "key '" + printable(key) + "': expected " + want + ", got " + got);
}

}  // namespace

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (v->type != GgufValueType::kString) return wrong_type(name_, key, "a string", *v);
  return v->str;
}

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (is_unsigned(v->type)) return v->u;
  if (is_signed(v->type)) {
    if (v->i < 0) return gguf_error(name_, "key '" + printable(key) + "': value " + std::to_string(v->i) + " is negative");
    return static_cast<uint64_t>(v->i);
  }
  return wrong_type(name_, key, "an integer", *v);
}

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (is_signed(v->type)) return v->i;
  if (is_unsigned(v->type)) {
    if (v->u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return gguf_error(name_, "key '" + printable(key) + "': value " + std::to_string(v->u) + " does not fit int64");
    }
    return static_cast<int64_t>(v->u);
  }
  return wrong_type(name_, key, "an integer", *v);
}

Result<double> GgufFile::get_float(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (v->type == GgufValueType::kFloat32 || v->type == GgufValueType::kFloat64) return v->f;
  if (is_unsigned(v->type)) return static_cast<double>(v->u);
  if (is_signed(v->type)) return static_cast<double>(v->i);
  return wrong_type(name_, key, "a number", *v);
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (v->type != GgufValueType::kBool) return wrong_type(name_, key, "a bool", *v);
  return v->b;
}

Result<std::vector<std::string_view>> GgufFile::get_string_array(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (v->type != GgufValueType::kArray || v->elem_type != GgufValueType::kString) {
    return wrong_type(name_, key, "an array of string", *v);
  }
  return v->string_items();
}

std::vector<std::string_view> GgufValue::string_items() const {
  std::vector<std::string_view> out;
  if (type != GgufValueType::kArray || elem_type != GgufValueType::kString) return out;
  out.reserve(static_cast<size_t>(count));
  for_each_string([&](uint64_t, std::string_view s) { out.push_back(s); });
  return out;
}

Result<std::vector<float>> GgufFile::get_f32_array(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (v->type != GgufValueType::kArray ||
      (v->elem_type != GgufValueType::kFloat32 && v->elem_type != GgufValueType::kFloat64)) {
    return wrong_type(name_, key, "an array of f32", *v);
  }
  std::vector<float> out(static_cast<size_t>(v->count));
  for (uint64_t k = 0; k < v->count; ++k) out[k] = static_cast<float>(element(*v, k).f);
  return out;
}

Result<std::vector<int32_t>> GgufFile::get_i32_array(std::string_view key) const {
  PRIMER_ASSIGN_OR_RETURN(const GgufValue* v, lookup(*this, key));
  if (v->type != GgufValueType::kArray || !(is_signed(v->elem_type) || is_unsigned(v->elem_type))) {
    return wrong_type(name_, key, "an array of integers", *v);
  }
  std::vector<int32_t> out(static_cast<size_t>(v->count));
  for (uint64_t k = 0; k < v->count; ++k) {
    Number n = element(*v, k);
    bool fits = n.negative ? n.i >= std::numeric_limits<int32_t>::min()
                           : n.u <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
    if (!fits) {
      std::string shown = n.negative ? std::to_string(n.i) : std::to_string(n.u);
      return gguf_error(name_, "key '" + printable(key) + "'[" + std::to_string(k) + "]: value " + shown +
                                   " does not fit int32");
    }
    out[k] = static_cast<int32_t>(n.i);
  }
  return out;
}

}  // namespace primer
