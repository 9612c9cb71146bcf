// quantize_model: re-encodes a model's matrices with a file type's per-tensor mixture
// (file_type.h), copying every metadata key (general.file_type and
// general.quantization_version are updated) and every other tensor unchanged.
//
// Which tensors: those whose name ends in "weight" with 2 or more dims (as llama.cpp; norms,
// biases and rope_freqs.weight stay as they are). A matrix already of the chosen type is copied
// bit for bit; a quantized one of another type is dequantized and re-quantized only with
// allow_requantize (each pass adds error). Rows are encoded in parallel on `pool` with the
// reference quantizers, bit-identical to ggml's.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "model/encode_rows.h"
#include "model/file_type.h"
#include "primer/gguf.h"
#include "primer/model_factory.h"

namespace primer {

namespace {

Error quant_error(const std::string& what) { return Error{"[quantize] " + what}; }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* ggml_name(GgmlType type) {
  const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
  return info != nullptr ? info->name : "?";
}

// {arch}.block_count, or the number of distinct blk.N prefixes when the key is missing.
int64_t layer_count(const GgufFile& in, std::string_view arch) {
  auto n = in.get_int(std::string(arch) + ".block_count");
  if (n.ok()) return *n;
  int64_t max_layer = -1;
  for (const GgufTensorInfo& t : in.tensors()) {
    if (t.name.substr(0, 4) != "blk.") continue;
    max_layer = std::max<int64_t>(max_layer, std::atoll(std::string(t.name.substr(4)).c_str()));
  }
  return max_layer + 1;
}

}  // namespace

Status quantize_model(const std::string& in_path, const std::string& out_path, const QuantizeOptions& options,
                      ThreadPool& pool, Logger& logger) {
  const auto start = std::chrono::steady_clock::now();
  auto opened = GgufFile::open(in_path);
  if (!opened.ok()) return opened.error().wrap("[quantize] input");
  const GgufFile& in = *opened;
  std::string arch;
  if (auto a = in.get_string("general.architecture"); a.ok()) arch = std::string(*a);
  const int64_t n_layer = layer_count(in, arch);
  const bool has_output = in.find_tensor("output.weight") != nullptr;
  const bool any_quantized = quant_type_traits(model::default_tensor_type(options.type))->is_quantized;

  GgufWriter w;
  bool wrote_ftype = false, wrote_qver = false;
  for (const auto& [key, value] : in.kvs()) {
    if (key == "general.alignment") continue;
    if (key == "general.file_type") {
      w.add_uint32("general.file_type", model::llama_ftype_id(options.type));
      wrote_ftype = true;
    } else if (key == "general.quantization_version") {
      w.add_uint32("general.quantization_version", 2);
      wrote_qver = true;
    } else {
      w.add_value(std::string(key), value);
    }
  }
  if (!wrote_ftype) w.add_uint32("general.file_type", model::llama_ftype_id(options.type));
  if (!wrote_qver && any_quantized) w.add_uint32("general.quantization_version", 2);

  uint64_t bytes_in = 0, bytes_out = 0;
  const size_t n_tensors = in.tensors().size();
  for (size_t i = 0; i < n_tensors; ++i) {
    const GgufTensorInfo& t = in.tensors()[i];
    const std::string name(t.name);
    const bool matrix = ends_with(t.name, "weight") && t.dims.size() >= 2;
    bytes_in += t.n_bytes;
    const QuantType src = static_cast<QuantType>(t.type);
    const QuantType dst = matrix ? model::choose_tensor_type(options.type, {t.name, static_cast<int64_t>(t.dims[0]), true,
                                                                              has_output, n_layer, arch})
                                 : src;
    if (dst == src) {
      w.add_tensor(name, t.type, t.dims, std::span<const uint8_t>(t.data, t.n_bytes));
      bytes_out += t.n_bytes;
      continue;
    }
    const QuantTypeTraits* src_traits = quant_type_traits(src);
    if (src_traits == nullptr) {
      return quant_error("tensor '" + name + "': cannot convert from type " + ggml_name(t.type));
    }
    if (src_traits->is_quantized && !options.allow_requantize) {
      return quant_error("tensor '" + name + "' is already quantized (" + src_traits->name +
                         "); re-quantizing to " + quant_type_traits(dst)->name +
                         " loses precision: pass --allow-requantize to do it anyway");
    }
    const int64_t n_cols = static_cast<int64_t>(t.dims[0]);
    const int64_t n_rows = static_cast<int64_t>(t.n_elements / t.dims[0]);
    const size_t src_row_bytes = quant_row_bytes(*src_traits, t.dims[0]);
    std::vector<uint8_t> bytes = model::encode_rows(dst, n_rows, n_cols, pool, [&](int64_t row, float* out) {
      src_traits->to_float(t.data + static_cast<size_t>(row) * src_row_bytes, out, n_cols);
    });
    w.add_tensor(name, static_cast<GgmlType>(dst), t.dims, bytes);
    bytes_out += bytes.size();
    logger.log(LogLevel::kInfo, "[quantize] [%4zu/%4zu] %-32s %-5s -> %-5s %8.2f MB -> %8.2f MB", i + 1, n_tensors,
               name.c_str(), src_traits->name, quant_type_traits(dst)->name, t.n_bytes / 1e6, bytes.size() / 1e6);
  }
  PRIMER_TRY(w.write(out_path));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  logger.log(LogLevel::kInfo, "[quantize] %s -> %s (%s): %.2f MB -> %.2f MB in %.1f s (%.1f MB/s)", in_path.c_str(),
             out_path.c_str(), file_type_name(options.type), bytes_in / 1e6, bytes_out / 1e6, secs,
             secs > 0 ? bytes_in / 1e6 / secs : 0.0);
  return ok_status();
}

}  // namespace primer
