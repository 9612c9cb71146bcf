// The architecture registry and the tensor list shared by the loader and gen-model.
#include <array>

#include "model/arch/arch.h"

namespace primer::model {

std::span<const ArchSpec* const> all_archs() {
  static const std::array<const ArchSpec*, 3> kArchs = {&llama_arch(), &qwen2_arch(), &qwen3_arch()};
  return kArchs;
}

const ArchSpec* find_arch(std::string_view name) {
  for (const ArchSpec* arch : all_archs()) {
    if (arch->name == name) return arch;
  }
  return nullptr;
}

std::string arch_names_joined() {
  std::string out;
  for (const ArchSpec* arch : all_archs()) {
    if (!out.empty()) out += ", ";
    out += arch->name;
  }
  return out;
}

namespace {

struct LayerTensorDesc {
  LayerTensor kind;
  const char* suffix;  // after "blk.{il}."
  WeightTensor LayerWeights::*slot;
};

// In the order llama.cpp's converter writes a block.
constexpr LayerTensorDesc kLayerTensors[] = {
    {LayerTensor::kAttnNorm, "attn_norm.weight", &LayerWeights::attn_norm},
    {LayerTensor::kWq, "attn_q.weight", &LayerWeights::wq},
    {LayerTensor::kBq, "attn_q.bias", &LayerWeights::bq},
    {LayerTensor::kWk, "attn_k.weight", &LayerWeights::wk},
    {LayerTensor::kBk, "attn_k.bias", &LayerWeights::bk},
    {LayerTensor::kWv, "attn_v.weight", &LayerWeights::wv},
    {LayerTensor::kBv, "attn_v.bias", &LayerWeights::bv},
    {LayerTensor::kWo, "attn_output.weight", &LayerWeights::wo},
    {LayerTensor::kQNorm, "attn_q_norm.weight", &LayerWeights::q_norm},
    {LayerTensor::kKNorm, "attn_k_norm.weight", &LayerWeights::k_norm},
    {LayerTensor::kFfnNorm, "ffn_norm.weight", &LayerWeights::ffn_norm},
    {LayerTensor::kFfnGate, "ffn_gate.weight", &LayerWeights::ffn_gate},
    {LayerTensor::kFfnUp, "ffn_up.weight", &LayerWeights::ffn_up},
    {LayerTensor::kFfnDown, "ffn_down.weight", &LayerWeights::ffn_down},
};

// [n_rows x n_cols] of a layer tensor; n_rows == 1 with matrix == false for vectors.
void layer_shape(LayerTensor kind, const ModelConfig& c, TensorSpec* t) {
  const int64_t q_dim = c.n_head * c.head_dim;
  const int64_t kv_dim = c.n_head_kv * c.head_dim;
  auto mat = [t](int64_t rows, int64_t cols) { t->n_rows = rows; t->n_cols = cols; t->matrix = true; };
  auto vec = [t](int64_t n) { t->n_rows = 1; t->n_cols = n; t->matrix = false; };
  switch (kind) {
    case LayerTensor::kAttnNorm: vec(c.n_embd); break;
    case LayerTensor::kWq: mat(q_dim, c.n_embd); break;
    case LayerTensor::kWk: mat(kv_dim, c.n_embd); break;
    case LayerTensor::kWv: mat(kv_dim, c.n_embd); break;
    case LayerTensor::kWo: mat(c.n_embd, q_dim); break;
    case LayerTensor::kBq: vec(q_dim); break;
    case LayerTensor::kBk: vec(kv_dim); break;
    case LayerTensor::kBv: vec(kv_dim); break;
    case LayerTensor::kQNorm: vec(c.head_dim); break;
    case LayerTensor::kKNorm: vec(c.head_dim); break;
    case LayerTensor::kFfnNorm: vec(c.n_embd); break;
    case LayerTensor::kFfnGate: mat(c.n_ff, c.n_embd); break;
    case LayerTensor::kFfnUp: mat(c.n_ff, c.n_embd); break;
    case LayerTensor::kFfnDown: mat(c.n_embd, c.n_ff); break;
  }
}

}  // namespace

std::vector<TensorSpec> expected_tensors(const ArchSpec& arch, const ModelConfig& c) {
  std::vector<TensorSpec> out;
  auto add_model = [&](const char* name, int64_t rows, int64_t cols, bool matrix, Need need,
                       WeightTensor ModelWeights::*slot) {
    TensorSpec t;
    t.name = name;
    t.n_rows = rows;
    t.n_cols = cols;
    t.matrix = matrix;
    t.need = need;
    t.model_slot = slot;
    out.push_back(std::move(t));
  };
  add_model("token_embd.weight", c.n_vocab, c.n_embd, true, Need::kRequired, &ModelWeights::tok_embd);
  add_model("output_norm.weight", 1, c.n_embd, false, Need::kRequired, &ModelWeights::output_norm);
  add_model("output.weight", c.n_vocab, c.n_embd, true, Need::kOptional, &ModelWeights::output);
  add_model("rope_freqs.weight", 1, c.rope.n_dims / 2, false, Need::kOptional, nullptr);
  for (int il = 0; il < c.n_layer; ++il) {
    const std::string prefix = "blk." + std::to_string(il) + ".";
    for (const LayerTensorDesc& d : kLayerTensors) {
      Need need = arch.layer_need[static_cast<size_t>(d.kind)];
      if (need == Need::kAbsent) continue;
      TensorSpec t;
      t.name = prefix + d.suffix;
      layer_shape(d.kind, c, &t);
      t.need = need;
      t.layer = il;
      t.layer_slot = d.slot;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace primer::model
