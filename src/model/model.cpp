// Model's derived quantities (sizes and costs used by bench and the roofline report).
#include "model/arch/arch.h"
#include "primer/model.h"

namespace primer {

namespace {

// Calls fn on every weight matrix the forward pass multiplies by (output included, once).
template <class Fn>
void for_each_matrix(const ModelWeights& w, Fn fn) {
  for (const LayerWeights& l : w.layers) {
    for (const WeightTensor* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
      if (t->present()) fn(*t);
    }
  }
  if (w.output.present()) fn(w.output);
}

}  // namespace

uint64_t Model::weight_bytes() const {
  uint64_t total = 0;
  for (const GgufTensorInfo& t : gguf_->tensors()) total += t.n_bytes;
  return total;
}

uint64_t Model::decode_bytes_per_token() const {
  uint64_t total = 0;
  for_each_matrix(weights_, [&](const WeightTensor& t) { total += t.n_bytes(); });
  if (weights_.tok_embd.present()) total += weights_.tok_embd.row_bytes;
  return total;
}

uint64_t Model::flops_per_token() const {
  uint64_t total = 0;
  for_each_matrix(weights_, [&](const WeightTensor& t) {
    total += 2 * static_cast<uint64_t>(t.n_rows) * static_cast<uint64_t>(t.n_cols);
  });
  return total;
}

std::vector<std::string_view> supported_architectures() {
  std::vector<std::string_view> out;
  for (const model::ArchSpec* arch : model::all_archs()) out.push_back(arch->name);
  return out;
}

}  // namespace primer
