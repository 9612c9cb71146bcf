// Hyper-parameters from GGUF metadata (contract in hparams.h).
#include "model/arch/hparams.h"

#include <cmath>

namespace primer::model {

Error model_error(const GgufFile& gguf, const std::string& what) {
  return Error{"[model] " + gguf.name() + ": " + what};
}

namespace {

class KeyReader {
 public:
  KeyReader(const GgufFile& gguf, std::string_view arch) : gguf_(gguf), prefix_(std::string(arch) + ".") {}

  std::string key(const char* suffix) const { return prefix_ + suffix; }
  bool has(const char* suffix) const { return gguf_.find(key(suffix)) != nullptr; }

  // An integer in [lo, hi]; `fallback` when absent (fallback < 0: required).
  Result<int64_t> integer(const char* suffix, int64_t lo, int64_t hi, int64_t fallback = -1) const {
    const std::string k = key(suffix);
    if (gguf_.find(k) == nullptr) {
      if (fallback < 0) return model_error(gguf_, k + ": missing (required)");
      return fallback;
    }
    auto v = gguf_.get_int(k);
    if (!v.ok()) return model_error(gguf_, v.error().message);
    if (*v < lo || *v > hi) {
      return model_error(gguf_, k + ": " + std::to_string(*v) + " is out of range [" + std::to_string(lo) +
                                    ", " + std::to_string(hi) + "]");
    }
    return *v;
  }

  // A finite float > 0 (and < hi); `fallback` when absent (fallback < 0: required).
  Result<double> positive(const char* suffix, double hi, double fallback = -1) const {
    const std::string k = key(suffix);
    if (gguf_.find(k) == nullptr) {
      if (fallback < 0) return model_error(gguf_, k + ": missing (required)");
      return fallback;
    }
    auto v = gguf_.get_float(k);
    if (!v.ok()) return model_error(gguf_, v.error().message);
    if (!std::isfinite(*v) || *v <= 0 || *v >= hi) {
      return model_error(gguf_, k + ": " + std::to_string(*v) + " must be a finite number in (0, " +
                                    std::to_string(hi) + ")");
    }
    return *v;
  }

 private:
  const GgufFile& gguf_;
  std::string prefix_;
};

Status read_rope_scaling(const GgufFile& gguf, const KeyReader& keys, RopeConfig* rope) {
  std::string type = "none";
  if (keys.has("rope.scaling.type")) {
    auto v = gguf.get_string(keys.key("rope.scaling.type"));
    if (!v.ok()) return model_error(gguf, v.error().message);
    type = std::string(*v);
  }
  if (type != "none" && type != "linear") {
    return model_error(gguf, keys.key("rope.scaling.type") + ": '" + type +
                                 "' is not supported (supported: none, linear)");
  }
  // As llama.cpp: the factor applies whenever present (linear scaling is a frequency scale).
  double factor = 1.0;
  if (keys.has("rope.scaling.factor")) {
    PRIMER_ASSIGN_OR_RETURN(factor, keys.positive("rope.scaling.factor", 1e6));
  } else if (keys.has("rope.scale_linear")) {
    PRIMER_ASSIGN_OR_RETURN(factor, keys.positive("rope.scale_linear", 1e6));
  }
  rope->linear_factor = static_cast<float>(factor);
  rope->scaling = factor != 1.0 ? RopeScaling::kLinear : RopeScaling::kNone;
  return ok_status();
}

}  // namespace

Result<ModelConfig> read_model_config(const GgufFile& gguf, const ArchSpec** arch_out) {
  if (gguf.find("general.architecture") == nullptr) return model_error(gguf, "general.architecture: missing");
  auto arch_name = gguf.get_string("general.architecture");
  if (!arch_name.ok()) return model_error(gguf, arch_name.error().message);
  const ArchSpec* arch = find_arch(*arch_name);
  if (arch == nullptr) {
    return model_error(gguf, "unsupported architecture '" + std::string(*arch_name) + "' (supported: " +
                                 arch_names_joined() + ")");
  }
  *arch_out = arch;

  ModelConfig c;
  c.arch = std::string(arch->name);
  if (gguf.find("general.name") != nullptr) {
    auto name = gguf.get_string("general.name");
    if (name.ok()) c.name = std::string(*name);
  }
  const KeyReader keys(gguf, arch->name);
  PRIMER_ASSIGN_OR_RETURN(c.n_ctx_train, keys.integer("context_length", 1, kMaxContext));
  PRIMER_ASSIGN_OR_RETURN(c.n_embd, keys.integer("embedding_length", 1, kMaxWidth));
  PRIMER_ASSIGN_OR_RETURN(c.n_layer, keys.integer("block_count", 1, kMaxLayers));
  PRIMER_ASSIGN_OR_RETURN(c.n_ff, keys.integer("feed_forward_length", 1, kMaxWidth));
  PRIMER_ASSIGN_OR_RETURN(c.n_head, keys.integer("attention.head_count", 1, kMaxHeads));
  PRIMER_ASSIGN_OR_RETURN(c.n_head_kv, keys.integer("attention.head_count_kv", 1, kMaxHeads, c.n_head));
  if (c.n_head % c.n_head_kv != 0) {
    return model_error(gguf, keys.key("attention.head_count") + " " + std::to_string(c.n_head) +
                                 " is not a multiple of " + keys.key("attention.head_count_kv") + " " +
                                 std::to_string(c.n_head_kv));
  }
  if (!keys.has("attention.key_length") && c.n_embd % c.n_head != 0) {
    return model_error(gguf, keys.key("embedding_length") + " " + std::to_string(c.n_embd) +
                                 " is not a multiple of " + keys.key("attention.head_count") + " " +
                                 std::to_string(c.n_head) + " (and attention.key_length is absent)");
  }
  const int64_t default_head_dim = c.n_embd / c.n_head;
  PRIMER_ASSIGN_OR_RETURN(c.head_dim, keys.integer("attention.key_length", 1, kMaxWidth, default_head_dim));
  PRIMER_ASSIGN_OR_RETURN(int64_t value_length, keys.integer("attention.value_length", 1, kMaxWidth, c.head_dim));
  if (value_length != c.head_dim) {
    return model_error(gguf, keys.key("attention.value_length") + " " + std::to_string(value_length) +
                                 " differs from attention.key_length " + std::to_string(c.head_dim) +
                                 " (not supported)");
  }
  if (c.n_head * c.head_dim > kMaxWidth) {
    return model_error(gguf, "n_head * head_dim = " + std::to_string(c.n_head * c.head_dim) +
                                 " exceeds the limit " + std::to_string(kMaxWidth));
  }
  PRIMER_ASSIGN_OR_RETURN(double eps, keys.positive("attention.layer_norm_rms_epsilon", 1.0));
  c.rms_eps = static_cast<float>(eps);

  c.rope.style = arch->rope_style;
  PRIMER_ASSIGN_OR_RETURN(double theta, keys.positive("rope.freq_base", 1e12, 10000.0));
  c.rope.theta = static_cast<float>(theta);
  PRIMER_ASSIGN_OR_RETURN(c.rope.n_dims, keys.integer("rope.dimension_count", 2, c.head_dim, c.head_dim));
  if (c.rope.n_dims % 2 != 0) {
    return model_error(gguf, keys.key("rope.dimension_count") + " " + std::to_string(c.rope.n_dims) + " is odd");
  }
  PRIMER_TRY(read_rope_scaling(gguf, keys, &c.rope));
  return c;
}

void write_model_config(const ModelConfig& c, GgufWriter& w) {
  const std::string a = c.arch + ".";
  w.add_uint32(a + "vocab_size", static_cast<uint32_t>(c.n_vocab));
  w.add_uint32(a + "context_length", static_cast<uint32_t>(c.n_ctx_train));
  w.add_uint32(a + "embedding_length", static_cast<uint32_t>(c.n_embd));
  w.add_uint32(a + "block_count", static_cast<uint32_t>(c.n_layer));
  w.add_uint32(a + "feed_forward_length", static_cast<uint32_t>(c.n_ff));
  w.add_uint32(a + "attention.head_count", static_cast<uint32_t>(c.n_head));
  w.add_uint32(a + "attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
  w.add_uint32(a + "attention.key_length", static_cast<uint32_t>(c.head_dim));
  w.add_uint32(a + "attention.value_length", static_cast<uint32_t>(c.head_dim));
  w.add_float32(a + "attention.layer_norm_rms_epsilon", c.rms_eps);
  w.add_float32(a + "rope.freq_base", c.rope.theta);
  w.add_uint32(a + "rope.dimension_count", static_cast<uint32_t>(c.rope.n_dims));
  if (c.rope.scaling == RopeScaling::kLinear) {
    w.add_string(a + "rope.scaling.type", "linear");
    w.add_float32(a + "rope.scaling.factor", c.rope.linear_factor);
  }
}

}  // namespace primer::model
