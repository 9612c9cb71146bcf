// TrainModel: the shape, the flat parameter / gradient buffers and their named views,
// initialisation, and loading weights from a GGUF file.
#include <cmath>
#include <cstring>

#include "core/hash.h"
#include "model/arch/arch.h"
#include "model/arch/hparams.h"
#include "primer/quant.h"
#include "primer/train.h"

namespace primer::train {

namespace {

Error shape_error(const std::string& what) { return Error{"[train] model shape: " + what}; }

Status check_positive(const char* what, int64_t v, int64_t hi) {
  if (v < 1 || v > hi) {
    return shape_error(std::string(what) + " " + std::to_string(v) + " is out of range [1, " + std::to_string(hi) + "]");
  }
  return ok_status();
}


bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Status ModelShape::validate() {
  if (model::find_arch(arch) == nullptr) {
    return shape_error("arch '" + arch + "' is not supported (supported: " + model::arch_names_joined() + ")");
  }
  if (n_head_kv == 0) n_head_kv = n_head;
  PRIMER_TRY(check_positive("n_vocab", n_vocab, model::kMaxVocab));
  PRIMER_TRY(check_positive("n_embd", n_embd, model::kMaxWidth));
  PRIMER_TRY(check_positive("n_layer", n_layer, model::kMaxLayers));
  PRIMER_TRY(check_positive("n_head", n_head, model::kMaxHeads));
  PRIMER_TRY(check_positive("n_head_kv", n_head_kv, model::kMaxHeads));
  PRIMER_TRY(check_positive("n_ff", n_ff, model::kMaxWidth));
  PRIMER_TRY(check_positive("n_ctx", n_ctx, model::kMaxContext));
  if (n_head % n_head_kv != 0) {
    return shape_error("n_head " + std::to_string(n_head) + " is not a multiple of n_head_kv " + std::to_string(n_head_kv));
  }
  if (head_dim == 0) {
    if (n_embd % n_head != 0) {
      return shape_error("n_embd " + std::to_string(n_embd) + " is not a multiple of n_head " + std::to_string(n_head));
    }
    head_dim = n_embd / n_head;
  }
  PRIMER_TRY(check_positive("head_dim", head_dim, model::kMaxWidth));
  if (head_dim % 2 != 0) return shape_error("head_dim " + std::to_string(head_dim) + " is odd (RoPE rotates pairs)");
  if (!(std::isfinite(rope_theta) && rope_theta > 0)) return shape_error("rope_theta must be > 0");
  if (!(rms_eps > 0 && rms_eps < 1)) return shape_error("rms_eps must be in (0, 1)");
  return ok_status();
}

ModelConfig ModelShape::engine_config() const {
  const model::ArchSpec* spec = model::find_arch(arch);
  ModelConfig c;
  c.arch = arch;
  c.n_vocab = n_vocab;
  c.n_embd = n_embd;
  c.n_layer = n_layer;
  c.n_head = n_head;
  c.n_head_kv = n_head_kv;
  c.head_dim = head_dim;
  c.n_ff = n_ff;
  c.n_ctx_train = n_ctx;
  c.rms_eps = rms_eps;
  c.rope.style = spec != nullptr ? spec->rope_style : RopeStyle::kNorm;
  c.rope.theta = rope_theta;
  c.rope.n_dims = head_dim;
  c.tied_output = tied_embeddings;
  return c;
}

Result<TrainModel> TrainModel::create(ModelShape shape) {
  PRIMER_TRY(shape.validate());
  TrainModel m;
  m.shape_ = shape;
  const model::ArchSpec& arch = *model::find_arch(shape.arch);
  size_t offset = 0;
  for (const model::TensorSpec& spec : model::expected_tensors(arch, shape.engine_config())) {
    // Optional tensors (llama's attention biases, rope_freqs) are not trained; output.weight is
    // there exactly when the embeddings are untied.
    if (spec.name == "output.weight") {
      if (shape.tied_embeddings) continue;
    } else if (spec.need != model::Need::kRequired) {
      continue;
    }
    ParamInfo p;
    p.name = spec.name;
    p.n_rows = spec.n_rows;
    p.n_cols = spec.n_cols;
    p.offset = offset;
    p.matrix = spec.matrix;
    offset += p.size();
    offset = (offset + 15) / 16 * 16;  // 64-byte aligned tensors
    m.tensors_.push_back(std::move(p));
  }
  m.params_.assign(offset, 0.0f);
  m.grads_.assign(offset, 0.0f);
  return m;
}

const ParamInfo* TrainModel::find(std::string_view name) const {
  for (const ParamInfo& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void TrainModel::zero_grads() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

void TrainModel::init(uint64_t seed, float init_std) {
  const float residual_scale = 1.0f / std::sqrt(2.0f * static_cast<float>(shape_.n_layer));
  for (const ParamInfo& t : tensors_) {
    float* p = param(t);
    if (ends_with(t.name, "norm.weight")) {
      std::fill(p, p + t.size(), 1.0f);
      continue;
    }
    if (ends_with(t.name, ".bias")) {
      std::fill(p, p + t.size(), 0.0f);
      continue;
    }
    const bool residual = ends_with(t.name, "attn_output.weight") || ends_with(t.name, "ffn_down.weight");
    const double std = static_cast<double>(init_std) * (residual ? residual_scale : 1.0f);
    uint64_t state = seed ^ fnv1a(t.name.data(), t.name.size());
    // Box-Muller pairs from splitmix64 uniforms.
    for (size_t i = 0; i < t.size(); i += 2) {
      const double u1 = (static_cast<double>(splitmix64(state) >> 11) + 1.0) * 0x1p-53;  // (0, 1]
      const double u2 = static_cast<double>(splitmix64(state) >> 11) * 0x1p-53;
      const double r = std::sqrt(-2.0 * std::log(u1));
      p[i] = static_cast<float>(std * r * std::cos(6.283185307179586 * u2));
      if (i + 1 < t.size()) p[i + 1] = static_cast<float>(std * r * std::sin(6.283185307179586 * u2));
    }
  }
}

Result<TrainModel> TrainModel::from_gguf(const std::string& path) {
  ModelLoadOptions options;
  options.repack = false;
  PRIMER_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::load(path, options));
  const ModelConfig& c = model->config();
  if (c.rope.scaling != RopeScaling::kNone || !c.rope.freq_factors.empty()) {
    return Error{"[train] " + path + ": RoPE scaling is not supported by the trainer"};
  }
  if (c.head_dim != c.rope.n_dims) {
    return Error{"[train] " + path + ": partial RoPE (rope.dimension_count != head_dim) is not supported by the trainer"};
  }
  ModelShape shape;
  shape.arch = c.arch;
  shape.n_vocab = c.n_vocab;
  shape.n_embd = c.n_embd;
  shape.n_layer = c.n_layer;
  shape.n_head = c.n_head;
  shape.n_head_kv = c.n_head_kv;
  shape.head_dim = c.head_dim;
  shape.n_ff = c.n_ff;
  shape.n_ctx = c.n_ctx_train;
  shape.tied_embeddings = c.tied_output;
  shape.rope_theta = c.rope.theta;
  shape.rms_eps = c.rms_eps;
  PRIMER_ASSIGN_OR_RETURN(TrainModel m, create(shape));
  const GgufFile& file = model->gguf();
  for (const GgufTensorInfo& info : file.tensors()) {
    if (m.find(info.name) == nullptr) {
      return Error{"[train] " + path + ": tensor '" + std::string(info.name) +
                   "' is not part of the model the trainer trains (" + shape.arch + ")"};
    }
  }
  for (const ParamInfo& t : m.tensors_) {
    const GgufTensorInfo* info = file.find_tensor(t.name);
    if (info == nullptr) return Error{"[train] " + path + ": tensor '" + t.name + "' is missing"};
    const QuantTypeTraits* traits = quant_type_traits(static_cast<uint32_t>(info->type));
    if (traits == nullptr) return Error{"[train] " + path + ": tensor '" + t.name + "' has an unsupported type"};
    const size_t row_bytes = quant_row_bytes(*traits, static_cast<uint64_t>(t.n_cols));
    for (int64_t r = 0; r < t.n_rows; ++r) {
      traits->to_float(info->data + static_cast<size_t>(r) * row_bytes, m.param(t) + r * t.n_cols, t.n_cols);
    }
  }
  return m;
}

}  // namespace primer::train
