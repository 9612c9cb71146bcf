// export_gguf: a trained model as a GGUF file the engine loads, with llama.cpp's keys (the same
// ones gen-model writes) and the tokenizer keys of a tokenizer.json or GGUF.
#include <cstring>

#include "model/arch/hparams.h"
#include "model/file_type.h"
#include "model/vocab_export.h"
#include "primer/gguf.h"
#include "primer/quant.h"
#include "primer/train.h"

namespace primer::train {

namespace {

Error export_error(const std::string& path, const std::string& what) {
  return Error{"[train] export " + path + ": " + what};
}

void add_hparams(const ModelShape& s, const ExportOptions& o, GgufWriter& w) {
  w.add_string("general.architecture", s.arch);
  w.add_string("general.name", o.name.empty() ? "primer-trained " + s.arch : o.name);
  w.add_uint32("general.file_type", model::llama_ftype_id(o.type));
  w.add_uint32("general.quantization_version", 2);
  model::write_model_config(s.engine_config(), w);
}

}  // namespace

Status export_gguf(const TrainModel& model, const std::string& path, const ExportOptions& options) {
  const ModelShape& s = model.shape();
  QuantType matrix_type;
  switch (options.type) {
    case FileType::kF32: matrix_type = QuantType::kF32; break;
    case FileType::kF16: matrix_type = QuantType::kF16; break;
    case FileType::kBF16: matrix_type = QuantType::kBF16; break;
    default:
      return export_error(path, std::string("type ") + file_type_name(options.type) +
                                    " is not written directly: export F32/F16/BF16, then `primer quantize`");
  }
  if (options.tokenizer.empty()) return export_error(path, "no tokenizer given (a tokenizer.json or GGUF)");
  GgufWriter vocab;
  PRIMER_ASSIGN_OR_RETURN(int64_t n_vocab, model::add_vocab_from(options.tokenizer, vocab));
  if (n_vocab != s.n_vocab) {
    return export_error(path, "tokenizer " + options.tokenizer + " has " + std::to_string(n_vocab) +
                                  " tokens but the model's vocabulary is " + std::to_string(s.n_vocab));
  }
  GgufWriter w;
  add_hparams(s, options, w);
  for (const auto& [key, value] : options.extra_strings) w.add_string(key, value);
  const std::vector<uint8_t> vocab_bytes = vocab.to_bytes();
  PRIMER_ASSIGN_OR_RETURN(GgufFile vocab_file, GgufFile::parse(vocab_bytes, "<vocab>"));
  for (const auto& [key, value] : vocab_file.kvs()) {
    if (key != "general.alignment") w.add_value(std::string(key), value);
  }
  std::vector<uint8_t> bytes;
  for (const ParamInfo& t : model.tensors()) {
    const QuantType type = t.matrix ? matrix_type : QuantType::kF32;
    const QuantTypeTraits& traits = *quant_type_traits(type);
    const size_t row_bytes = quant_row_bytes(traits, static_cast<uint64_t>(t.n_cols));
    bytes.resize(row_bytes * static_cast<size_t>(t.n_rows));
    for (int64_t r = 0; r < t.n_rows; ++r) {
      traits.from_float_ref(model.param(t) + r * t.n_cols, bytes.data() + static_cast<size_t>(r) * row_bytes, t.n_cols);
    }
    std::vector<uint64_t> dims = {static_cast<uint64_t>(t.n_cols)};
    if (t.matrix) dims.push_back(static_cast<uint64_t>(t.n_rows));
    w.add_tensor(t.name, static_cast<GgmlType>(type), dims, bytes);
  }
  return w.write(path);
}

}  // namespace primer::train
