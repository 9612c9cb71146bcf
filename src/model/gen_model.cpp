// generate_model: random-weight models of any shape (`primer gen-model`).
//
// Determinism: every value comes from splitmix64 streams seeded by (seed, tensor name, row), so
// the file does not depend on the thread count or schedule, and values are uniform in
// [-sqrt(3) s, sqrt(3) s] (standard deviation s) computed with exact float operations only (no
// libm), so files are bit-identical on every IEEE-754 platform. The one exception is
// rope_freqs.weight (--rope-scaling llama3), computed with pow() like llama.cpp's converter.
//
// Values: matrices and biases ~ init_std; norm weights 1 + noise (std 0.1); tied output by
// default. Tensor types follow the file type's mixture (file_type.h), as `primer quantize` would
// choose them for the same shapes.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/hash.h"
#include "model/arch/arch.h"
#include "model/arch/hparams.h"
#include "model/encode_rows.h"
#include "model/file_type.h"
#include "model/vocab_export.h"
#include "primer/gguf.h"
#include "primer/model_factory.h"

namespace primer {

namespace {

using model::TensorSpec;

Error gen_error(const std::string& what) { return Error{"[gen-model] " + what}; }

uint64_t name_hash(std::string_view name) { return fnv1a(name.data(), name.size()); }

// Fills out[0..n) with uniform values of mean `mean` and standard deviation `std`.
void fill_uniform(uint64_t seed, uint64_t tensor_hash, int64_t row, float mean, float std, float* out, int64_t n) {
  uint64_t state = seed ^ tensor_hash;
  state = splitmix64(state) ^ static_cast<uint64_t>(row) * 0xD1B54A32D192ED03ull;
  const float half_width = std * 1.7320508f;  // sqrt(3)
  for (int64_t i = 0; i < n; ++i) {
    const float u = static_cast<float>(splitmix64(state) >> 40) * 0x1p-24f;  // [0, 1)
    out[i] = mean + (2.0f * u - 1.0f) * half_width;
  }
}

// Llama-3.1's rope frequency factors, as llama.cpp's converter computes them (factor 8, low 1,
// high 4, original context 8192).
std::vector<float> llama3_rope_factors(int64_t n_dims, double theta) {
  const double factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, old_context = 8192.0;
  const double low_freq_wavelen = old_context / low_freq_factor;
  const double high_freq_wavelen = old_context / high_freq_factor;
  const double pi = 3.14159265358979323846;
  std::vector<float> out;
  for (int64_t i = 0; i < n_dims; i += 2) {
    const double freq = 1.0 / std::pow(theta, static_cast<double>(i) / static_cast<double>(n_dims));
    const double wavelen = 2 * pi / freq;
    if (wavelen < high_freq_wavelen) {
      out.push_back(1.0f);
    } else if (wavelen > low_freq_wavelen) {
      out.push_back(static_cast<float>(factor));
    } else {
      const double smooth = (old_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      out.push_back(static_cast<float>(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return out;
}

struct RopeChoice {
  bool llama3 = false;
  float linear_factor = 1.0f;
};

Result<RopeChoice> parse_rope_scaling(const std::string& s) {
  RopeChoice r;
  if (s.empty() || s == "none") return r;
  if (s == "llama3") {
    r.llama3 = true;
    return r;
  }
  if (s.rfind("linear:", 0) == 0) {
    char* end = nullptr;
    const std::string num = s.substr(7);
    const double f = std::strtod(num.c_str(), &end);
    if (!num.empty() && end == num.c_str() + num.size() && std::isfinite(f) && f > 0 && f < 1e6) {
      r.linear_factor = static_cast<float>(f);
      return r;
    }
  }
  return gen_error("rope_scaling '" + s + "': expected none, llama3 or linear:<factor>");
}

Status check_range(const char* what, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    return gen_error(std::string(what) + " " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  }
  return ok_status();
}

// Hyper-parameters from the options (n_vocab set by the caller).
Result<ModelConfig> make_config(const GenModelOptions& o, const model::ArchSpec& arch, const RopeChoice& rope) {
  using namespace model;  // limits
  ModelConfig c;
  c.arch = std::string(arch.name);
  PRIMER_TRY(check_range("n_embd", o.n_embd, 1, kMaxWidth));
  PRIMER_TRY(check_range("n_layer", o.n_layer, 1, kMaxLayers));
  PRIMER_TRY(check_range("n_head", o.n_head, 1, kMaxHeads));
  PRIMER_TRY(check_range("n_head_kv", o.n_head_kv, 1, kMaxHeads));
  PRIMER_TRY(check_range("head_dim", o.head_dim, 0, kMaxWidth));
  PRIMER_TRY(check_range("n_ff", o.n_ff, 0, kMaxWidth));
  PRIMER_TRY(check_range("n_ctx_train", o.n_ctx_train, 1, kMaxContext));
  if (o.n_head % o.n_head_kv != 0) {
    return gen_error("n_head " + std::to_string(o.n_head) + " is not a multiple of n_head_kv " + std::to_string(o.n_head_kv));
  }
  if (o.head_dim == 0 && o.n_embd % o.n_head != 0) {
    return gen_error("n_embd " + std::to_string(o.n_embd) + " is not a multiple of n_head " + std::to_string(o.n_head) +
                     " (give head_dim)");
  }
  c.n_embd = o.n_embd;
  c.n_layer = o.n_layer;
  c.n_head = o.n_head;
  c.n_head_kv = o.n_head_kv;
  c.head_dim = o.head_dim != 0 ? o.head_dim : o.n_embd / o.n_head;
  if (c.head_dim % 2 != 0) return gen_error("head_dim " + std::to_string(c.head_dim) + " is odd (rope needs pairs)");
  PRIMER_TRY(check_range("n_head * head_dim", c.n_head * c.head_dim, 1, kMaxWidth));
  c.n_ff = o.n_ff != 0 ? o.n_ff : ((8 * o.n_embd + 2) / 3 + 31) / 32 * 32;
  PRIMER_TRY(check_range("n_ff", c.n_ff, 1, kMaxWidth));
  c.n_ctx_train = o.n_ctx_train;
  if (!(o.rms_eps > 0 && o.rms_eps < 1)) return gen_error("rms_eps must be in (0, 1)");
  c.rms_eps = o.rms_eps;
  if (!(std::isfinite(o.init_std) && o.init_std > 0 && o.init_std < 100)) return gen_error("init_std must be in (0, 100)");
  if (!(std::isfinite(o.rope_theta) && o.rope_theta >= 0)) return gen_error("rope_theta must be >= 0");
  c.rope.style = arch.rope_style;
  c.rope.theta = o.rope_theta != 0 ? o.rope_theta : (rope.llama3 ? 500000.0f : arch.default_rope_theta);
  c.rope.n_dims = c.head_dim;
  c.rope.linear_factor = rope.linear_factor;
  c.rope.scaling = rope.linear_factor != 1.0f ? RopeScaling::kLinear : RopeScaling::kNone;
  if (rope.llama3) c.rope.freq_factors = llama3_rope_factors(c.rope.n_dims, c.rope.theta);
  c.tied_output = o.tied_output;
  return c;
}

void add_hparams(const ModelConfig& c, const GenModelOptions& o, GgufWriter& w) {
  w.add_string("general.architecture", c.arch);
  w.add_string("general.name", "primer-gen-model " + c.arch + " " + std::to_string(c.n_embd) + "x" +
                                   std::to_string(c.n_layer) + " seed " + std::to_string(o.seed));
  w.add_uint32("general.file_type", model::llama_ftype_id(o.type));
  w.add_uint32("general.quantization_version", 2);
  model::write_model_config(c, w);
}

bool is_norm(std::string_view name) {
  return name.size() >= 11 && name.substr(name.size() - 11) == "norm.weight";
}

}  // namespace

Status generate_model(const GenModelOptions& options, const std::string& out_path, ThreadPool& pool,
                      Logger& logger) {
  const auto start = std::chrono::steady_clock::now();
  const model::ArchSpec* arch = model::find_arch(options.arch);
  if (arch == nullptr) {
    return gen_error("unsupported architecture '" + options.arch + "' (supported: " + model::arch_names_joined() + ")");
  }
  PRIMER_ASSIGN_OR_RETURN(RopeChoice rope, parse_rope_scaling(options.rope_scaling));
  PRIMER_ASSIGN_OR_RETURN(ModelConfig config, make_config(options, *arch, rope));

  GgufWriter vocab;  // tokenizer keys, collected first to learn n_vocab
  if (!options.vocab_from.empty()) {
    if (options.n_vocab != 0) return gen_error("give n_vocab or vocab_from, not both");
    PRIMER_ASSIGN_OR_RETURN(config.n_vocab, model::add_vocab_from(options.vocab_from, vocab));
  } else {
    config.n_vocab = options.n_vocab != 0 ? options.n_vocab : 512;
    PRIMER_TRY(model::add_synthetic_vocab(config.n_vocab, vocab));
  }

  GgufWriter w;
  add_hparams(config, options, w);
  // Copy the tokenizer keys in order (re-reading them from the scratch writer's bytes).
  const std::vector<uint8_t> vocab_bytes = vocab.to_bytes();
  PRIMER_ASSIGN_OR_RETURN(GgufFile vocab_file, GgufFile::parse(vocab_bytes, "<vocab>"));
  for (const auto& [key, value] : vocab_file.kvs()) {
    if (key != "general.alignment") w.add_value(std::string(key), value);
  }

  uint64_t n_params = 0;
  for (const TensorSpec& spec : model::expected_tensors(*arch, config)) {
    // Required tensors, plus the optional ones these options ask for.
    const bool rope_freqs = spec.name == "rope_freqs.weight";
    if (spec.need == model::Need::kOptional) {
      const bool wanted = (spec.name == "output.weight" && !config.tied_output) ||
                          (rope_freqs && !config.rope.freq_factors.empty());
      if (!wanted) continue;
    }
    model::TensorTypeQuery q{spec.name, spec.n_cols, spec.matrix, !config.tied_output, config.n_layer, config.arch};
    const QuantType type = model::choose_tensor_type(options.type, q);
    const uint64_t hash = name_hash(spec.name);
    const float mean = is_norm(spec.name) ? 1.0f : 0.0f;
    const float std = is_norm(spec.name) ? 0.1f : options.init_std;
    std::vector<uint8_t> bytes =
        model::encode_rows(type, spec.n_rows, spec.n_cols, pool, [&](int64_t row, float* out) {
          if (rope_freqs) {
            std::copy(config.rope.freq_factors.begin(), config.rope.freq_factors.end(), out);
          } else {
            fill_uniform(options.seed, hash, row, mean, std, out, spec.n_cols);
          }
        });
    std::vector<uint64_t> dims = {static_cast<uint64_t>(spec.n_cols)};
    if (spec.matrix) dims.push_back(static_cast<uint64_t>(spec.n_rows));
    w.add_tensor(spec.name, static_cast<GgmlType>(type), dims, bytes);
    n_params += static_cast<uint64_t>(spec.n_rows * spec.n_cols);
  }
  PRIMER_TRY(w.write(out_path));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  logger.log(LogLevel::kInfo, "[gen-model] wrote %s: %s, %lld params, %s, %.1f s", out_path.c_str(),
             config.arch.c_str(), static_cast<long long>(n_params), file_type_name(options.type), secs);
  return ok_status();
}

}  // namespace primer
