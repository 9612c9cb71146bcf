// `primer info`: what a model file holds.
//
//   primer info MODEL.gguf [--tensors] [--json]
//
// Prints the architecture, hyper-parameters, rope settings, the file type and its mixture
// (tensor count and bytes per type), decode cost per token, the tokenizer (model, size, BOS/EOS)
// and the chat template's first lines; --tensors adds the tensor table (name, type, shape
// [n_rows x n_cols], bytes, data offset). --json prints the same as one JSON object (the chat
// template in full) for scripts. The model is validated as `primer run` would load it (a file
// without tensors, e.g. a vocabulary-only GGUF, is loaded with vocab_only).
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "model/file_type.h"
#include "primer/model.h"

namespace primer::cli {
namespace {

using nlohmann::ordered_json;

struct InfoCmd {
  std::string path;
  bool tensors = false;
  bool json = false;
};

std::string shape_text(const std::vector<uint64_t>& dims) {
  std::string out;
  for (size_t i = dims.size(); i-- > 0;) {
    out += std::to_string(dims[i]);
    if (i > 0) out += " x ";
  }
  return out;
}

const char* type_name(GgmlType t) {
  const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(t));
  return info != nullptr ? info->name : "?";
}

std::string file_type_text(const GgufFile& f) {
  auto id = f.get_uint("general.file_type");
  if (!id.ok()) return "unknown (no general.file_type)";
  for (std::string_view name : file_type_names()) {
    auto type = parse_file_type(name);
    if (type.ok() && model::llama_ftype_id(*type) == *id) return std::string(name);
  }
  return "general.file_type " + std::to_string(*id);
}

std::string token_text(const Tokenizer& tok, std::optional<TokenId> id) {
  if (!id) return "none";
  return std::to_string(*id) + " '" + tok.piece(*id) + "'";
}

struct TypeSummary {
  int count = 0;
  uint64_t bytes = 0;
};

ordered_json to_json(const Model& m, bool with_tensors, const std::map<std::string, TypeSummary>& mix) {
  const ModelConfig& c = m.config();
  const Tokenizer& tok = m.tokenizer();
  ordered_json j;
  j["file"] = m.gguf().name();
  j["gguf_version"] = m.gguf().version();
  j["architecture"] = c.arch;
  j["name"] = c.name;
  j["n_vocab"] = c.n_vocab;
  j["n_embd"] = c.n_embd;
  j["n_layer"] = c.n_layer;
  j["n_head"] = c.n_head;
  j["n_head_kv"] = c.n_head_kv;
  j["head_dim"] = c.head_dim;
  j["n_ff"] = c.n_ff;
  j["n_ctx_train"] = c.n_ctx_train;
  j["rms_eps"] = c.rms_eps;
  j["rope"] = {{"style", c.rope.style == RopeStyle::kNorm ? "norm" : "neox"},
               {"theta", c.rope.theta},
               {"n_dims", c.rope.n_dims},
               {"scaling", c.rope.scaling == RopeScaling::kLinear ? "linear" : "none"},
               {"linear_factor", c.rope.linear_factor},
               {"freq_factors", c.rope.freq_factors.size()}};
  j["tied_output"] = c.tied_output;
  j["file_type"] = file_type_text(m.gguf());
  ordered_json types = ordered_json::object();
  for (const auto& [name, s] : mix) types[name] = {{"tensors", s.count}, {"bytes", s.bytes}};
  j["tensor_types"] = types;
  j["weight_bytes"] = m.weight_bytes();
  j["decode_bytes_per_token"] = m.decode_bytes_per_token();
  j["flops_per_token"] = m.flops_per_token();
  j["tokenizer"] = {{"description", tok.describe()},
                    {"vocab_size", tok.vocab_size()},
                    {"bos", tok.bos() ? ordered_json(*tok.bos()) : ordered_json()},
                    {"eos", tok.eos() ? ordered_json(*tok.eos()) : ordered_json()},
                    {"eos_ids", tok.eos_ids()},
                    {"add_bos", tok.add_bos()},
                    {"add_eos", tok.add_eos()}};
  j["chat_template"] = tok.chat_template();
  if (with_tensors) {
    ordered_json list = ordered_json::array();
    for (const GgufTensorInfo& t : m.gguf().tensors()) {
      list.push_back({{"name", t.name},
                      {"type", type_name(t.type)},
                      {"dims", t.dims},
                      {"bytes", t.n_bytes},
                      {"offset", m.gguf().data_offset() + t.offset}});
    }
    j["tensors"] = list;
  }
  return j;
}

void print_text(const Model& m, bool with_tensors, const std::map<std::string, TypeSummary>& mix) {
  const ModelConfig& c = m.config();
  const Tokenizer& tok = m.tokenizer();
  const GgufFile& f = m.gguf();
  std::printf("file:            %s (GGUF v%u, %zu tensors, %zu keys)\n", f.name().c_str(), f.version(),
              f.tensors().size(), f.kvs().size());
  std::printf("architecture:    %s%s%s%s\n", c.arch.c_str(), c.name.empty() ? "" : " (", c.name.c_str(),
              c.name.empty() ? "" : ")");
  std::printf("hyper-params:    n_vocab %lld, n_embd %lld, n_layer %lld, n_head %lld, n_head_kv %lld, head_dim %lld, "
              "n_ff %lld, n_ctx_train %lld, rms_eps %g\n",
              static_cast<long long>(c.n_vocab), static_cast<long long>(c.n_embd), static_cast<long long>(c.n_layer),
              static_cast<long long>(c.n_head), static_cast<long long>(c.n_head_kv), static_cast<long long>(c.head_dim),
              static_cast<long long>(c.n_ff), static_cast<long long>(c.n_ctx_train), c.rms_eps);
  std::printf("rope:            %s, theta %g, n_dims %lld, scaling %s", c.rope.style == RopeStyle::kNorm ? "norm" : "neox",
              c.rope.theta, static_cast<long long>(c.rope.n_dims),
              c.rope.scaling == RopeScaling::kLinear ? "linear" : "none");
  if (c.rope.scaling == RopeScaling::kLinear) std::printf(" (factor %g)", c.rope.linear_factor);
  if (!c.rope.freq_factors.empty()) std::printf(", %zu frequency factors (rope_freqs.weight)", c.rope.freq_factors.size());
  const char* output = !m.weights().tok_embd.present() ? "- (no tensors: vocabulary only)"
                       : c.tied_output                   ? "tied to token_embd"
                                                         : "output.weight";
  std::printf("\noutput:          %s\n", output);
  std::printf("file type:       %s\n", file_type_text(f).c_str());
  for (const auto& [name, s] : mix) {
    std::printf("  %-6s %5d tensors %12.2f MB\n", name.c_str(), s.count, s.bytes / 1e6);
  }
  std::printf("weights:         %.2f MB; decode streams %.2f MB/token; %.3f GFLOP/token (matrices)\n",
              m.weight_bytes() / 1e6, m.decode_bytes_per_token() / 1e6, m.flops_per_token() / 1e9);
  std::printf("tokenizer:       %s; bos %s; eos %s; add_bos %s\n", tok.describe().c_str(),
              token_text(tok, tok.bos()).c_str(), token_text(tok, tok.eos()).c_str(), tok.add_bos() ? "true" : "false");
  const std::string& tmpl = tok.chat_template();
  if (tmpl.empty()) {
    std::printf("chat template:   none\n");
  } else {
    std::printf("chat template:   %zu bytes; first lines:\n", tmpl.size());
    std::istringstream lines(tmpl);
    std::string line;
    for (int i = 0; i < 5 && std::getline(lines, line); ++i) {
      if (line.size() > 120) line = line.substr(0, 117) + "...";
      std::printf("    %s\n", line.c_str());
    }
  }
  if (with_tensors) {
    std::printf("tensors:\n  %-36s %-6s %-20s %14s %14s\n", "name", "type", "shape", "bytes", "offset");
    for (const GgufTensorInfo& t : f.tensors()) {
      std::printf("  %-36s %-6s %-20s %14llu %14llu\n", std::string(t.name).c_str(), type_name(t.type),
                  shape_text(t.dims).c_str(), static_cast<unsigned long long>(t.n_bytes),
                  static_cast<unsigned long long>(f.data_offset() + t.offset));
    }
  }
}

int run(const InfoCmd& c) {
  auto file = GgufFile::open(c.path);
  if (!file.ok()) {
    std::fprintf(stderr, "primer info: %s\n", file.error().message.c_str());
    return 1;
  }
  // A file without tensors (a vocabulary-only GGUF) is shown with its hyper-parameters and
  // tokenizer only.
  ModelLoadOptions options;
  options.vocab_only = file->tensors().empty();
  auto model = Model::from_gguf(std::move(file).value(), options);
  if (!model.ok()) {
    std::fprintf(stderr, "primer info: %s\n", model.error().message.c_str());
    return 1;
  }
  std::map<std::string, TypeSummary> mix;
  for (const GgufTensorInfo& t : (*model)->gguf().tensors()) {
    TypeSummary& s = mix[type_name(t.type)];
    ++s.count;
    s.bytes += t.n_bytes;
  }
  if (c.json) {
    std::printf("%s\n", to_json(**model, c.tensors, mix).dump(2).c_str());
  } else {
    print_text(**model, c.tensors, mix);
  }
  return 0;
}

}  // namespace

void register_info(CLI::App& app, CliContext& ctx) {
  auto c = std::make_shared<InfoCmd>();
  auto* sub = app.add_subcommand("info", "Show a model's architecture, hyper-parameters, tokenizer and tensors");
  sub->add_option("model", c->path, "GGUF model file")->required();
  sub->add_flag("--tensors", c->tensors, "Also list every tensor (name, type, shape, bytes, offset)");
  sub->add_flag("--json", c->json, "Print one JSON object instead of text");
  sub->callback([c, &ctx] { ctx.exit_code = run(*c); });
}

}  // namespace primer::cli
