// Model::load / from_gguf: validates a GGUF file against its architecture's spec
// (arch/arch.h) and builds the Model's views.
//
// Policy:
//   - Every tensor the architecture lists must be present when required, have exactly the
//     expected dims, and a type this build computes with: matrices any type with a vec_dot
//     kernel (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K); vectors F32, F16
//     or BF16 (copied to owned F32).
//   - A tensor the architecture does not use is an Error (as llama.cpp's "wrong number of
//     tensors"): silently ignoring e.g. an attn_output.bias would compute a different model.
//   - n_vocab is the row count of token_embd.weight. The tokenizer may have fewer tokens (padded
//     embeddings: the extra rows are never produced by encode and decode skips them) but not
//     more (an encoded id would index past the embedding table).
//   - Absent output.weight means tied output: weights.output is a copy of tok_embd's view.
//   - With ModelLoadOptions::repack, Q5_0 matrices are repacked into owned, 64-byte aligned
//     QuantType::kQ5_0R copies (include/primer/repack.h), one tensor at a time, each tensor's
//     file pages released right after its copy: the resident set holds each weight byte once.
#include <cmath>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "model/arch/arch.h"
#include "model/arch/hparams.h"
#include "primer/model.h"
#include "primer/repack.h"

namespace primer {

using model::ArchSpec;
using model::model_error;
using model::Need;
using model::TensorSpec;

namespace {

// (Appends piecewise: GCC 12's -Wrestrict misfires on "[" + std::to_string(...).)
std::string dims_text(int64_t n_rows, int64_t n_cols, bool matrix) {
  std::string out = "[";
  if (matrix) out.append(std::to_string(n_rows)).append(" x ");
  out.append(std::to_string(n_cols)).append("]");
  return out;
}

std::string dims_text(const GgufTensorInfo& info) {
  std::string out = "[";
  for (size_t i = info.dims.size(); i-- > 0;) {
    out += std::to_string(info.dims[i]);
    if (i > 0) out += " x ";
  }
  return out + "]";
}

const char* matrix_type_list() { return "f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q4_K, q5_K, q6_K"; }

std::string type_name(GgmlType type) {
  const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
  return info != nullptr ? info->name : "type " + std::to_string(static_cast<uint32_t>(type));
}

}  // namespace

struct ModelBuilder {
  const GgufFile& gguf;
  Model& model;

  Status check_shape(const TensorSpec& spec, const GgufTensorInfo& info) const {
    bool ok = spec.matrix ? (info.dims.size() == 2 && info.dims[0] == static_cast<uint64_t>(spec.n_cols) &&
                             info.dims[1] == static_cast<uint64_t>(spec.n_rows))
                          : (info.dims.size() == 1 && info.dims[0] == static_cast<uint64_t>(spec.n_cols));
    if (!ok) {
      return model_error(gguf, spec.name + ": expected " + dims_text(spec.n_rows, spec.n_cols, spec.matrix) +
                                   ", got " + dims_text(info));
    }
    return ok_status();
  }

  Result<WeightTensor> view(const TensorSpec& spec, const GgufTensorInfo& info) const {
    const QuantTypeTraits* traits = quant_type_traits(static_cast<uint32_t>(info.type));
    if (spec.matrix && (traits == nullptr || traits->vec_dot == nullptr)) {
      return model_error(gguf, spec.name + ": tensor type " + type_name(info.type) +
                                   " is not supported for weight matrices (supported: " + matrix_type_list() + ")");
    }
    if (!spec.matrix && (traits == nullptr || traits->is_quantized)) {
      return model_error(gguf, spec.name + ": tensor type " + type_name(info.type) +
                                   " is not supported for vectors (supported: f32, f16, bf16)");
    }
    if (spec.n_cols % traits->block_size != 0) {
      return model_error(gguf, spec.name + ": row length " + std::to_string(spec.n_cols) +
                                   " is not a multiple of the " + traits->name + " block size " +
                                   std::to_string(traits->block_size));
    }
    WeightTensor w;
    w.name = spec.name;
    w.type = traits->type;
    w.n_cols = spec.n_cols;
    w.n_rows = spec.n_rows;
    w.row_bytes = quant_row_bytes(*traits, static_cast<uint64_t>(spec.n_cols));
    w.data = info.data;
    if (w.n_bytes() != info.n_bytes) {
      return model_error(gguf, spec.name + ": holds " + std::to_string(info.n_bytes) + " bytes, expected " +
                                   std::to_string(w.n_bytes()));
    }
    if (!spec.matrix) {  // owned F32 copy
      std::vector<float> values(static_cast<size_t>(spec.n_cols));
      traits->to_float(info.data, values.data(), spec.n_cols);
      model.owned_.push_back(std::move(values));
      w.type = QuantType::kF32;
      w.row_bytes = static_cast<size_t>(spec.n_cols) * sizeof(float);
      w.data = reinterpret_cast<const uint8_t*>(model.owned_.back().data());
    }
    return w;
  }

  Status load_rope_freqs(const WeightTensor& w) {
    const float* f = w.f32();
    for (int64_t i = 0; i < w.n_cols; ++i) {
      if (!std::isfinite(f[i]) || f[i] <= 0) {
        return model_error(gguf, w.name + "[" + std::to_string(i) + "]: " + std::to_string(f[i]) +
                                     " is not a finite positive frequency factor");
      }
    }
    model.config_.rope.freq_factors.assign(f, f + w.n_cols);
    return ok_status();
  }

  // w (a view of `info`'s file bytes) -> an owned repacked copy, when its type has one.
  Status repack(WeightTensor& w, const GgufTensorInfo& info) {
    if (w.type != QuantType::kQ5_0) return ok_status();
    const uint64_t bytes = w.n_bytes();
    auto* copy = static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    if (copy == nullptr) {
      return model_error(gguf, w.name + ": cannot allocate " + std::to_string(bytes) + " bytes to repack it");
    }
    model.repacked_.emplace_back(copy);
    repack_q5_0_rows(info.data, copy, w.n_rows, w.n_cols);
    gguf.release_tensor_pages(info);
    w.type = QuantType::kQ5_0R;
    w.data = copy;
    return ok_status();
  }

  Status load_tensors(const ArchSpec& arch, const ModelLoadOptions& options) {
    ModelConfig& c = model.config_;
    ModelWeights& weights = model.weights_;
    weights.layers.assign(static_cast<size_t>(c.n_layer), LayerWeights{});
    const std::vector<TensorSpec> specs = model::expected_tensors(arch, c);
    std::set<std::string_view> known;
    for (const TensorSpec& spec : specs) {
      known.insert(spec.name);
      const GgufTensorInfo* info = gguf.find_tensor(spec.name);
      if (info == nullptr) {
        if (spec.need == Need::kOptional) continue;
        return model_error(gguf, "missing tensor '" + spec.name + "' (required by architecture '" + c.arch + "')");
      }
      PRIMER_TRY(check_shape(spec, *info));
      PRIMER_ASSIGN_OR_RETURN(WeightTensor w, view(spec, *info));
      if (spec.matrix && options.repack) PRIMER_TRY(repack(w, *info));
      if (spec.layer_slot != nullptr) {
        weights.layers[static_cast<size_t>(spec.layer)].*spec.layer_slot = std::move(w);
      } else if (spec.model_slot != nullptr) {
        weights.*spec.model_slot = std::move(w);
      } else {
        PRIMER_TRY(load_rope_freqs(w));
      }
    }
    for (const GgufTensorInfo& info : gguf.tensors()) {
      if (known.count(info.name) == 0) {
        return model_error(gguf, "unexpected tensor '" + std::string(info.name) + "' (not used by architecture '" +
                                     c.arch + "' with " + std::to_string(c.n_layer) + " layers)");
      }
    }
    c.tied_output = !weights.output.present();
    if (c.tied_output) {
      weights.output = weights.tok_embd;
    }
    return ok_status();
  }

  // n_vocab from token_embd.weight's row count (checked against the tokenizer).
  Status read_n_vocab() {
    const GgufTensorInfo* info = gguf.find_tensor("token_embd.weight");
    if (info == nullptr) {
      return model_error(gguf, "missing tensor 'token_embd.weight' (required by architecture '" +
                                   model.config_.arch + "')");
    }
    if (info->dims.size() != 2) {
      return model_error(gguf, "token_embd.weight: expected 2 dims [n_vocab x " +
                                   std::to_string(model.config_.n_embd) + "], got " + dims_text(*info));
    }
    if (info->dims[1] > static_cast<uint64_t>(model::kMaxVocab)) {
      return model_error(gguf, "token_embd.weight: " + std::to_string(info->dims[1]) +
                                   " rows exceed the vocabulary limit " + std::to_string(model::kMaxVocab));
    }
    model.config_.n_vocab = static_cast<int64_t>(info->dims[1]);
    const size_t n_tokens = model.tokenizer_->vocab_size();
    if (n_tokens > static_cast<uint64_t>(model.config_.n_vocab)) {
      return model_error(gguf, "the tokenizer has " + std::to_string(n_tokens) +
                                   " tokens but token_embd.weight only " + std::to_string(model.config_.n_vocab) +
                                   " rows");
    }
    return ok_status();
  }

  Status build(const ModelLoadOptions& options) {
    const ArchSpec* arch = nullptr;
    PRIMER_ASSIGN_OR_RETURN(model.config_, model::read_model_config(gguf, &arch));
    auto tok = Tokenizer::from_gguf(gguf);
    if (!tok.ok()) return tok.error();
    model.tokenizer_ = std::make_unique<Tokenizer>(std::move(tok).value());
    if (options.vocab_only) {
      model.config_.n_vocab = static_cast<int64_t>(model.tokenizer_->vocab_size());
      model.config_.tied_output = gguf.find_tensor("output.weight") == nullptr;
      return ok_status();
    }
    PRIMER_TRY(read_n_vocab());
    return load_tensors(*arch, options);
  }
};

void Model::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

Result<std::unique_ptr<Model>> Model::load(const std::string& path, const ModelLoadOptions& options) {
  auto file = GgufFile::open(path);
  if (!file.ok()) return file.error().wrap("[model] load");
  return from_gguf(std::move(file).value(), options);
}

Result<std::unique_ptr<Model>> Model::from_gguf(GgufFile file, const ModelLoadOptions& options) {
  std::unique_ptr<Model> model(new Model());
  model->gguf_ = std::make_unique<GgufFile>(std::move(file));
  ModelBuilder builder{*model->gguf_, *model};
  PRIMER_TRY(builder.build(options));
  // The tokenizer and config own what they read; the metadata pages need not stay resident.
  model->gguf_->release_metadata_pages();
  return model;
}

}  // namespace primer
