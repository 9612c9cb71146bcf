// Recipe files (TOML) for `primer train` / `primer distill`: parsing with source positions,
// range checks, and the check of a recipe against its data. Every key is documented, with its
// default, in docs/training.md; the table of sections and keys below is the one source of truth
// for which keys exist.
#include <toml++/toml.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "primer/train_data.h"
#include "primer/train_loop.h"
#include "train/train_loop_internal.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;

struct SectionSpec {
  const char* name;
  std::vector<const char*> keys;
};

const std::vector<SectionSpec>& sections() {
  static const std::vector<SectionSpec> kSections = {
      {"model", {"arch", "n_vocab", "n_embd", "n_layer", "n_head", "n_head_kv", "head_dim", "n_ff", "n_ctx",
                 "tied_embeddings", "rope_theta", "rms_eps", "init_std", "init_from"}},
      {"data", {"dir", "train", "val", "tokenizer"}},
      {"train", {"batch_size", "grad_accum", "seq_len", "steps", "lr", "min_lr", "warmup_steps", "beta1", "beta2",
                 "eps", "weight_decay", "grad_clip", "threads", "seed"}},
      {"eval", {"every", "batches", "sample_prompts", "sample_tokens"}},
      {"checkpoint", {"every"}},
      {"output", {"dir", "type", "name"}},
      {"distill", {"weight", "temperature", "kl", "reverse_share", "top_k"}},
  };
  return kSections;
}

// Edit distance, for "did you mean" hints on misspelled keys.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key, const std::vector<const char*>& known) {
  std::string best;
  size_t best_d = 3;  // only close matches
  for (const char* k : known) {
    const size_t d = edit_distance(key, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

// Reads the keys of one section with type and range checks; errors are "FILE:LINE: sec.key ...".
class SectionReader {
 public:
  SectionReader(const std::string& file, std::string section, const toml::table* table)
      : file_(file), section_(std::move(section)), table_(table) {}

  bool has(const char* key) const { return table_ && table_->contains(key); }
  int line_of(const char* key) const {
    const toml::node* n = table_ ? table_->get(key) : nullptr;
    return n ? static_cast<int>(n->source().begin.line) : line();
  }
  int line() const { return table_ ? static_cast<int>(table_->source().begin.line) : 0; }

  Error error_at(const char* key, const std::string& what) const {
    return Error{at(line_of(key)) + section_ + "." + key + " " + what};
  }

  Status get(const char* key, int64_t* out, int64_t min, int64_t max = std::numeric_limits<int64_t>::max()) const {
    const toml::node* n = node(key);
    if (!n) return ok_status();
    int64_t v = 0;
    if (auto i = n->value_exact<int64_t>()) {
      v = *i;
    } else if (auto d = n->value_exact<double>(); d && std::isfinite(*d) && *d == std::floor(*d) &&
                                                   std::fabs(*d) < 9e18) {
      v = static_cast<int64_t>(*d);  // 1e4 is fine for a step count
    } else {
      return error_at(key, std::string("must be an integer (got ") + type_name(*n) + ")");
    }
    if (v < min || v > max) {
      std::string range = max == std::numeric_limits<int64_t>::max()
                              ? ">= " + std::to_string(min)
                              : "in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
      return error_at(key, "must be " + range + " (got " + std::to_string(v) + ")");
    }
    *out = v;
    return ok_status();
  }
  Status get(const char* key, int* out, int min, int max) const {
    int64_t v = *out;
    PRIMER_TRY(get(key, &v, min, max));
    *out = static_cast<int>(v);
    return ok_status();
  }
  Status get(const char* key, uint64_t* out) const {
    int64_t v = static_cast<int64_t>(*out);
    PRIMER_TRY(get(key, &v, 0));
    *out = static_cast<uint64_t>(v);
    return ok_status();
  }
  // Floats: `lo_open` excludes the lower bound ("must be > 0").
  Status get(const char* key, float* out, double lo, bool lo_open, double hi = HUGE_VAL, bool hi_open = false) const {
    const toml::node* n = node(key);
    if (!n) return ok_status();
    auto d = n->value<double>();  // integers convert
    if (!d || n->is_boolean()) return error_at(key, std::string("must be a number (got ") + type_name(*n) + ")");
    const double v = *d;
    const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi) &&
                    std::fabs(v) <= std::numeric_limits<float>::max();
    if (!ok) {
      std::ostringstream msg;
      msg << "must be " << (lo_open ? "> " : ">= ") << lo;
      if (hi != HUGE_VAL) msg << " and " << (hi_open ? "< " : "<= ") << hi;
      msg << " (got " << v << ")";
      return error_at(key, msg.str());
    }
    *out = static_cast<float>(v);
    return ok_status();
  }
  Status get(const char* key, bool* out) const {
    const toml::node* n = node(key);
    if (!n) return ok_status();
    if (!n->is_boolean()) return error_at(key, std::string("must be true or false (got ") + type_name(*n) + ")");
    *out = n->as_boolean()->get();
    return ok_status();
  }
  Status get(const char* key, std::string* out, bool allow_empty = false) const {
    const toml::node* n = node(key);
    if (!n) return ok_status();
    if (!n->is_string()) return error_at(key, std::string("must be a string (got ") + type_name(*n) + ")");
    std::string v = n->as_string()->get();
    if (v.empty() && !allow_empty) return error_at(key, "must not be empty");
    *out = std::move(v);
    return ok_status();
  }
  Status get(const char* key, std::vector<std::string>* out) const {
    const toml::node* n = node(key);
    if (!n) return ok_status();
    const toml::array* a = n->as_array();
    if (!a) return error_at(key, std::string("must be an array of strings (got ") + type_name(*n) + ")");
    out->clear();
    for (const toml::node& e : *a) {
      if (!e.is_string()) {
        return Error{at(static_cast<int>(e.source().begin.line)) + section_ + "." + key +
                     " must be an array of strings (an element is " + type_name(e) + ")"};
      }
      out->push_back(e.as_string()->get());
    }
    return ok_status();
  }

  // "FILE:LINE: " ("FILE: " when the section is absent).
  std::string at(int line) const { return line > 0 ? file_ + ":" + std::to_string(line) + ": " : file_ + ": "; }

 private:
  const toml::node* node(const char* key) const { return table_ ? table_->get(key) : nullptr; }
  const std::string& file_;
  std::string section_;
  const toml::table* table_;
};

// Paths in a recipe are relative to the recipe file's folder.
std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || base_dir.empty()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// data.dir: DIR/val.bin is used when it exists and holds tokens (prepare with --val-fraction 0
// writes an empty one). n_tokens is the uint64 at offset 16 of the shard header.
bool shard_has_tokens(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  uint64_t n_tokens = 0;
  return f.seekg(16) && f.read(reinterpret_cast<char*>(&n_tokens), sizeof(n_tokens)) && n_tokens > 0;
}

Status check_unknown(const toml::table& root, const std::string& file) {
  for (auto&& [key, node] : root) {
    const SectionSpec* spec = nullptr;
    for (const SectionSpec& s : sections()) {
      if (key.str() == s.name) spec = &s;
    }
    const int line = static_cast<int>(key.source().begin.line);
    if (!spec) {
      std::vector<const char*> names;
      for (const SectionSpec& s : sections()) names.push_back(s.name);
      return Error{file + ":" + std::to_string(line) + ": unknown section [" + std::string(key.str()) + "]" +
                   suggestion(key.str(), names)};
    }
    if (!node.is_table()) {
      return Error{file + ":" + std::to_string(line) + ": " + std::string(key.str()) + " must be a table ([" +
                   std::string(key.str()) + "])"};
    }
    for (auto&& [k, v] : *node.as_table()) {
      bool known = false;
      for (const char* name : spec->keys) known = known || k.str() == name;
      if (!known) {
        return Error{file + ":" + std::to_string(k.source().begin.line) + ": unknown key " + spec->name + "." +
                     std::string(k.str()) + suggestion(k.str(), spec->keys)};
      }
    }
  }
  return ok_status();
}

// The line a ModelShape::validate() message is about: the first [model] key it names.
int shape_error_line(const SectionReader& model, const std::string& message) {
  size_t best = std::string::npos;
  int line = model.line();
  static const char* kKeys[] = {"n_vocab", "n_embd", "n_layer", "n_head_kv", "n_head", "head_dim",
                                "n_ff",    "n_ctx",  "arch",    "rope_theta", "rms_eps"};
  for (const char* k : kKeys) {
    const size_t pos = message.find(k);
    if (pos != std::string::npos && pos < best && model.has(k)) best = pos, line = model.line_of(k);
  }
  return line;
}

Status parse_model(const SectionReader& s, Recipe& r) {
  ModelShape& m = r.shape;
  PRIMER_TRY(s.get("arch", &m.arch));
  if (m.arch != "llama" && m.arch != "qwen2" && m.arch != "qwen3") {
    return s.error_at("arch", "must be \"llama\", \"qwen2\" or \"qwen3\" (got \"" + m.arch + "\")");
  }
  PRIMER_TRY(s.get("n_vocab", &m.n_vocab, 0));
  PRIMER_TRY(s.get("n_embd", &m.n_embd, 1));
  PRIMER_TRY(s.get("n_layer", &m.n_layer, 1));
  PRIMER_TRY(s.get("n_head", &m.n_head, 1));
  PRIMER_TRY(s.get("n_head_kv", &m.n_head_kv, 0));
  PRIMER_TRY(s.get("head_dim", &m.head_dim, 0));
  PRIMER_TRY(s.get("n_ff", &m.n_ff, 1));
  PRIMER_TRY(s.get("n_ctx", &m.n_ctx, 1));
  PRIMER_TRY(s.get("tied_embeddings", &m.tied_embeddings));
  PRIMER_TRY(s.get("rope_theta", &m.rope_theta, 0, true));
  PRIMER_TRY(s.get("rms_eps", &m.rms_eps, 0, true, 1.0));
  PRIMER_TRY(s.get("init_std", &r.init_std, 0, true, 10.0));
  PRIMER_TRY(s.get("init_from", &r.init_from));
  return ok_status();
}

Status parse_train(const SectionReader& s, Recipe& r) {
  PRIMER_TRY(s.get("batch_size", &r.batch_size, 1, 1 << 20));
  PRIMER_TRY(s.get("grad_accum", &r.grad_accum, 1, 1 << 20));
  PRIMER_TRY(s.get("seq_len", &r.seq_len, 1, 1 << 20));
  PRIMER_TRY(s.get("steps", &r.steps, 1));
  PRIMER_TRY(s.get("lr", &r.lr, 0, true));
  PRIMER_TRY(s.get("min_lr", &r.min_lr, 0, false));
  if (r.min_lr > r.lr) {
    return s.error_at(s.has("min_lr") ? "min_lr" : "lr",
                      "must satisfy min_lr <= lr (min_lr " + std::to_string(r.min_lr) + ", lr " +
                          std::to_string(r.lr) + ")");
  }
  PRIMER_TRY(s.get("warmup_steps", &r.warmup_steps, 0));
  PRIMER_TRY(s.get("beta1", &r.adamw.beta1, 0, false, 1, true));
  PRIMER_TRY(s.get("beta2", &r.adamw.beta2, 0, false, 1, true));
  PRIMER_TRY(s.get("eps", &r.adamw.eps, 0, true));
  PRIMER_TRY(s.get("weight_decay", &r.adamw.weight_decay, 0, false));
  PRIMER_TRY(s.get("grad_clip", &r.grad_clip, 0, false));
  PRIMER_TRY(s.get("threads", &r.threads, 0, 4096));
  PRIMER_TRY(s.get("seed", &r.seed));
  return ok_status();
}

Status parse_rest(const std::map<std::string, SectionReader>& sec, Recipe& r) {
  const SectionReader& eval = sec.at("eval");
  PRIMER_TRY(eval.get("every", &r.eval_every, 0));
  PRIMER_TRY(eval.get("batches", &r.eval_batches, 1));
  PRIMER_TRY(eval.get("sample_prompts", &r.sample_prompts));
  PRIMER_TRY(eval.get("sample_tokens", &r.sample_tokens, 0, 1 << 16));
  PRIMER_TRY(sec.at("checkpoint").get("every", &r.checkpoint_every, 0));

  const SectionReader& out = sec.at("output");
  PRIMER_TRY(out.get("dir", &r.out_dir));
  std::string type;
  PRIMER_TRY(out.get("type", &type));
  if (!type.empty()) {
    auto t = parse_file_type(type);
    if (!t.ok() || (*t != FileType::kF32 && *t != FileType::kF16 && *t != FileType::kBF16)) {
      return out.error_at("type", "must be \"F32\", \"F16\" or \"BF16\" (got \"" + type +
                                      "\"; quantize further with primer quantize)");
    }
    r.export_type = *t;
  }
  PRIMER_TRY(out.get("name", &r.model_name));

  const SectionReader& d = sec.at("distill");
  PRIMER_TRY(d.get("weight", &r.loss.distill_weight, 0, false, 1, false));
  PRIMER_TRY(d.get("temperature", &r.loss.temperature, 0, true, 100));
  std::string kl;
  PRIMER_TRY(d.get("kl", &kl));
  if (!kl.empty()) {
    if (kl == "forward") {
      r.loss.kl = KlDirection::kForward;
    } else if (kl == "reverse") {
      r.loss.kl = KlDirection::kReverse;
    } else if (kl == "mixed") {
      r.loss.kl = KlDirection::kMixed;
    } else {
      return d.error_at("kl", "must be \"forward\", \"reverse\" or \"mixed\" (got \"" + kl + "\")");
    }
  }
  PRIMER_TRY(d.get("reverse_share", &r.loss.reverse_share, 0, false, 1, false));
  PRIMER_TRY(d.get("top_k", &r.teacher_top_k, 1, 1024));
  return ok_status();
}

}  // namespace

Result<Recipe> Recipe::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error("[recipe] cannot open %s: %s", path.c_str(), std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  return parse(ss.str(), path);
}

Result<Recipe> Recipe::parse(std::string_view toml_text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    return Error{name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  PRIMER_TRY(check_unknown(root, name));

  std::map<std::string, SectionReader> sec;
  for (const SectionSpec& s : sections()) sec.emplace(s.name, SectionReader(name, s.name, root[s.name].as_table()));

  Recipe r;
  r.path = name;
  const std::string base = fs::path(name).parent_path().string();
  const SectionReader& model = sec.at("model");
  PRIMER_TRY(parse_model(model, r));
  PRIMER_TRY(parse_train(sec.at("train"), r));
  PRIMER_TRY(parse_rest(sec, r));

  // [data]
  const SectionReader& data = sec.at("data");
  std::string dir;
  PRIMER_TRY(data.get("dir", &dir));
  PRIMER_TRY(data.get("train", &r.train_data));
  PRIMER_TRY(data.get("val", &r.val_data));
  PRIMER_TRY(data.get("tokenizer", &r.tokenizer));
  r.train_data = resolve(base, r.train_data);
  r.val_data = resolve(base, r.val_data);
  if (!dir.empty()) {
    if (data.has("train")) return data.error_at("train", "and data.dir are exclusive (dir means dir/train.bin)");
    dir = resolve(base, dir);
    r.train_data = (fs::path(dir) / "train.bin").string();
    if (!data.has("val") && shard_has_tokens((fs::path(dir) / "val.bin").string())) {
      r.val_data = (fs::path(dir) / "val.bin").string();
    }
  }
  if (r.train_data.empty()) {
    if (data.line() == 0) return Error{name + ": data.train is required (no [data] section)"};
    return Error{name + ":" + std::to_string(data.line()) + ": data.train is required"};
  }
  r.tokenizer = resolve(base, r.tokenizer);
  r.init_from = resolve(base, r.init_from);
  r.out_dir = resolve(base, r.out_dir);
  if (r.model_name.empty()) r.model_name = fs::path(name).stem().string();

  // The shape: n_ctx defaults to the sequence length; n_vocab may come from the data later.
  if (!r.init_from.empty()) {
    for (const char* k : {"n_vocab", "n_embd", "n_layer", "n_head", "n_head_kv", "head_dim", "n_ff", "arch",
                          "tied_embeddings", "rope_theta", "rms_eps", "init_std"}) {
      if (model.has(k)) return model.error_at(k, "cannot be set with model.init_from (the GGUF gives the shape)");
    }
  } else {
    if (!model.has("n_ctx")) r.shape.n_ctx = r.seq_len;
    if (!model.has("n_ff")) r.shape.n_ff = (r.shape.n_embd * 8 / 3 + 31) / 32 * 32;  // SwiGLU's usual 8/3
    for (const char* k : {"n_embd", "n_layer", "n_head"}) {
      if (!model.has(k)) return Error{model.at(model.line()) + "model." + k + " is required"};
    }
    ModelShape check = r.shape;
    if (check.n_vocab == 0) check.n_vocab = 256;  // placeholder until the data says
    Status s = check.validate();
    if (!s.ok()) return Error{model.at(shape_error_line(model, s.error().message)) + s.error().message};
    const int64_t n_vocab = r.shape.n_vocab;
    r.shape = check;
    r.shape.n_vocab = n_vocab;
    if (r.seq_len > r.shape.n_ctx) {
      return sec.at("train").error_at("seq_len", "must be <= model.n_ctx (" + std::to_string(r.seq_len) + " > " +
                                                     std::to_string(r.shape.n_ctx) + ")");
    }
  }
  if (!r.sample_prompts.empty() && r.tokenizer.empty()) {
    return sec.at("eval").error_at("sample_prompts", "needs data.tokenizer (to encode the prompts)");
  }
  return r;
}

}  // namespace primer::train
