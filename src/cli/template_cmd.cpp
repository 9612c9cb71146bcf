// `primer template`: render a conversation with a model's chat template, exactly as
// transformers' apply_chat_template (Python jinja2) would.
//
//   primer template --template chat.jinja --messages chat.json [--add-generation-prompt]
//   primer template --tokenizer-config tokenizer_config.json --messages - --var enable_thinking=false
//   primer template --gguf model.gguf --messages chat.json --tools tools.json
//
// Template sources (exactly one):
//   --gguf FILE              tokenizer.chat_template (or tokenizer.chat_template.<name> with
//                            --template-name), bos/eos strings from tokenizer.ggml.tokens at
//                            tokenizer.ggml.bos_token_id / eos_token_id
//   --tokenizer-config FILE  chat_template: a string, or a list of {name, template} (uses
//                            "default" or --template-name); bos_token/eos_token: a string or
//                            {"content": ...}
//   --template FILE          Jinja source; bos/eos empty unless --bos-token/--eos-token
// chat.json is a list of messages, or an object {"messages": [...], "tools": [...],
// "documents": [...]}. `-` reads stdin. Prints the prompt to stdout with nothing appended.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "primer/chat_template.h"
#include "primer/gguf.h"

namespace primer::cli {
namespace {

using nlohmann::ordered_json;

struct TemplateOptions {
  std::string gguf;
  std::string tokenizer_config;
  std::string template_file;
  std::string template_name;
  std::string messages;
  std::string tools;
  std::vector<std::string> vars;
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::string date;
  bool add_generation_prompt = false;
};

// The template source plus the special-token strings that came with it (absent when the
// source has none: the template then sees them undefined, as with transformers).
struct TemplateSource {
  std::string source;
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
};

Result<std::string> read_input(const std::string& path, const char* what) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{std::string("[template] ") + what + " '" + path + "': cannot open file"};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Result<ordered_json> read_json(const std::string& path, const char* what) {
  PRIMER_ASSIGN_OR_RETURN(std::string text, read_input(path, what));
  ordered_json j = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{std::string("[template] ") + what + " '" + path + "': invalid JSON"};
  return j;
}

Result<TemplateSource> from_gguf(const TemplateOptions& o) {
  PRIMER_ASSIGN_OR_RETURN(GgufFile file, GgufFile::open(o.gguf));
  TemplateSource src;
  const std::string key = o.template_name.empty() || o.template_name == "default"
                              ? "tokenizer.chat_template"
                              : "tokenizer.chat_template." + o.template_name;
  PRIMER_ASSIGN_OR_RETURN(std::string_view tmpl, file.get_string(key));
  src.source = std::string(tmpl);
  // bos/eos are optional: a model without them renders them as "".
  if (file.find("tokenizer.ggml.tokens") != nullptr) {
    PRIMER_ASSIGN_OR_RETURN(std::vector<std::string_view> tokens, file.get_string_array("tokenizer.ggml.tokens"));
    auto token_at = [&](const char* id_key, std::optional<std::string>* out) -> Status {
      if (file.find(id_key) == nullptr) return ok_status();
      PRIMER_ASSIGN_OR_RETURN(uint64_t id, file.get_uint(id_key));
      if (id >= tokens.size()) {
        return Error{"[template] " + o.gguf + ": " + id_key + " = " + std::to_string(id) + " is past the vocabulary (" +
                     std::to_string(tokens.size()) + " tokens)"};
      }
      *out = std::string(tokens[id]);
      return ok_status();
    };
    PRIMER_TRY(token_at("tokenizer.ggml.bos_token_id", &src.bos_token));
    PRIMER_TRY(token_at("tokenizer.ggml.eos_token_id", &src.eos_token));
  }
  return src;
}

// bos_token/eos_token in tokenizer_config.json: a string, an AddedToken {"content": ...}, or null.
Result<std::optional<std::string>> special_token(const ordered_json& cfg, const char* key, const std::string& path) {
  if (!cfg.contains(key) || cfg[key].is_null()) return std::optional<std::string>();
  const auto& v = cfg[key];
  if (v.is_string()) return std::optional<std::string>(v.get<std::string>());
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return std::optional<std::string>(v["content"].get<std::string>());
  }
  return Error{"[template] " + path + ": " + key + ": expected a string or {\"content\": string}"};
}

Result<TemplateSource> from_tokenizer_config(const TemplateOptions& o) {
  const std::string& path = o.tokenizer_config;
  PRIMER_ASSIGN_OR_RETURN(ordered_json cfg, read_json(path, "tokenizer config"));
  if (!cfg.is_object()) return Error{"[template] " + path + ": expected a JSON object"};
  if (!cfg.contains("chat_template")) return Error{"[template] " + path + ": no chat_template"};
  TemplateSource src;
  const auto& ct = cfg["chat_template"];
  const std::string want = o.template_name.empty() ? "default" : o.template_name;
  if (ct.is_string()) {
    if (!o.template_name.empty() && o.template_name != "default") {
      return Error{"[template] " + path + ": chat_template is a single template; there is no '" + want + "'"};
    }
    src.source = ct.get<std::string>();
  } else if (ct.is_array()) {
    std::string names;
    bool found = false;
    for (size_t i = 0; i < ct.size(); ++i) {
      const auto& e = ct[i];
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("template") ||
          !e["template"].is_string()) {
        return Error{"[template] " + path + ": chat_template[" + std::to_string(i) +
                     "]: expected {\"name\": string, \"template\": string}"};
      }
      const std::string name = e["name"].get<std::string>();
      names += (names.empty() ? "" : ", ") + name;
      if (name == want) {
        src.source = e["template"].get<std::string>();
        found = true;
      }
    }
    if (!found) return Error{"[template] " + path + ": no chat template named '" + want + "' (have: " + names + ")"};
  } else {
    return Error{"[template] " + path + ": chat_template: expected a string or a list of {name, template}"};
  }
  PRIMER_ASSIGN_OR_RETURN(src.bos_token, special_token(cfg, "bos_token", path));
  PRIMER_ASSIGN_OR_RETURN(src.eos_token, special_token(cfg, "eos_token", path));
  return src;
}

Result<TemplateSource> load_source(const TemplateOptions& o) {
  if (!o.gguf.empty()) return from_gguf(o);
  if (!o.tokenizer_config.empty()) return from_tokenizer_config(o);
  TemplateSource src;
  PRIMER_ASSIGN_OR_RETURN(src.source, read_input(o.template_file, "template"));
  return src;
}

Result<LocalTime> parse_date(const std::string& s) {
  LocalTime t;
  int n = std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &t.year, &t.month, &t.day, &t.hour, &t.minute, &t.second);
  if (n != 3 && n != 6) return Error{"[template] --date '" + s + "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"};
  return t;
}

Result<std::string> render(const TemplateOptions& o) {
  PRIMER_ASSIGN_OR_RETURN(TemplateSource src, load_source(o));
  PRIMER_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::parse(src.source));

  ChatRenderOptions opt;
  opt.add_generation_prompt = o.add_generation_prompt;
  opt.bos_token = o.bos_token ? *o.bos_token : src.bos_token;
  opt.eos_token = o.eos_token ? *o.eos_token : src.eos_token;
  if (!o.date.empty()) {
    PRIMER_ASSIGN_OR_RETURN(LocalTime t, parse_date(o.date));
    opt.render.now = t;
  }

  PRIMER_ASSIGN_OR_RETURN(ordered_json chat, read_json(o.messages, "messages"));
  ordered_json messages;
  if (chat.is_array()) {
    messages = std::move(chat);
  } else if (chat.is_object()) {
    for (const auto& [k, v] : chat.items()) {
      if (k != "messages" && k != "tools" && k != "documents") {
        return Error{"[template] messages '" + o.messages + "': unexpected key '" + k +
                     "' (expected messages, tools, documents; pass other variables with --var)"};
      }
    }
    if (!chat.contains("messages") || !chat["messages"].is_array()) {
      return Error{"[template] messages '" + o.messages + "': \"messages\" must be a list"};
    }
    messages = chat["messages"];
    if (chat.contains("tools")) opt.tools = chat["tools"];
    if (chat.contains("documents")) opt.documents = chat["documents"];
  } else {
    return Error{"[template] messages '" + o.messages + "': expected a list of messages or {\"messages\": [...]}"};
  }
  if (!o.tools.empty()) {
    PRIMER_ASSIGN_OR_RETURN(opt.tools, read_json(o.tools, "tools"));
  }
  for (const auto& var : o.vars) {
    const size_t eq = var.find('=');
    if (eq == std::string::npos || eq == 0) return Error{"[template] --var '" + var + "': expected key=json"};
    ordered_json v = ordered_json::parse(var.substr(eq + 1), nullptr, false);
    if (v.is_discarded()) {
      return Error{"[template] --var " + var.substr(0, eq) +
                   ": value is not JSON (write strings quoted: " + var.substr(0, eq) + "='\"text\"')"};
    }
    opt.extra[var.substr(0, eq)] = std::move(v);
  }
  return render_chat(tmpl, messages, opt);
}

int run(const TemplateOptions& o) {
  const int sources = !o.gguf.empty() + !o.tokenizer_config.empty() + !o.template_file.empty();
  if (sources != 1) {
    std::fprintf(stderr, "primer template: give exactly one of --gguf, --tokenizer-config or --template\n");
    return 2;
  }
  auto out = render(o);
  if (!out.ok()) {
    std::fprintf(stderr, "primer template: %s\n", out.error().message.c_str());
    return 1;
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

}  // namespace

void register_template(CLI::App& app, CliContext& ctx) {
  auto opts = std::make_shared<TemplateOptions>();
  auto* sub = app.add_subcommand("template", "Render a conversation with a model's chat template (like transformers)");
  sub->add_option("--gguf", opts->gguf, "GGUF file: tokenizer.chat_template and bos/eos tokens");
  sub->add_option("--tokenizer-config", opts->tokenizer_config, "tokenizer_config.json with chat_template");
  sub->add_option("--template", opts->template_file, "Jinja template file ('-' for stdin)");
  sub->add_option("--template-name", opts->template_name,
                  "Named template to use (e.g. tool_use) when the source has several; default: \"default\"");
  sub->add_option("--messages", opts->messages,
                  "JSON file: a list of messages or {\"messages\": [...], \"tools\": [...]} ('-' for stdin)")
      ->required();
  sub->add_flag("--add-generation-prompt", opts->add_generation_prompt, "Open an assistant turn at the end");
  sub->add_option("--tools", opts->tools, "JSON file with a list of tool schemas (overrides \"tools\" in --messages)");
  sub->add_option("--var", opts->vars, "Extra template variable as key=json, e.g. enable_thinking=false (repeatable)");
  sub->add_option("--bos-token", opts->bos_token, "bos_token string (overrides the source's)");
  sub->add_option("--eos-token", opts->eos_token, "eos_token string (overrides the source's)");
  sub->add_option("--date", opts->date, "Fixed date for strftime_now(): YYYY-MM-DD[THH:MM:SS] (default: now)");
  sub->callback([opts, &ctx] { ctx.exit_code = run(*opts); });
}

}  // namespace primer::cli
