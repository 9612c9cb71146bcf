// Chat templates: the Jinja subset model chat templates use, rendered exactly like Python's
// jinja2 as Hugging Face transformers' apply_chat_template configures it:
//   ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True), the loopcontrols
//   extension (break/continue), the `{% generation %}` tag, globals raise_exception(msg) and
//   strftime_now(fmt), and a `tojson` filter with json.dumps semantics
//   (tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)).
//
//   auto tmpl = ChatTemplate::parse(source);             // once per model
//   ChatRenderOptions opt;
//   opt.add_generation_prompt = true;
//   opt.bos_token = "<s>";
//   auto prompt = render_chat(*tmpl, messages, opt);     // messages: JSON array of {role, content...}
//
// Contract:
//   - Output is byte-identical to jinja2 for supported templates (tests/chat/ compare against
//     goldens from scripts/gen-chat-goldens.py over every template in shared/chat-templates).
//   - Anything unsupported fails with an Error naming the construct and line, e.g.
//     "[template] line 12: filter 'urlize' is not supported"; it never renders a different string.
//     Errors jinja2 would raise (undefined attribute access, type errors, sandbox violations such
//     as list.append) are errors here too, worded like jinja2's where practical.
//   - raise_exception("msg") in a template yields an Error whose message ends with ": msg".
//   - Runaway templates stop at TemplateLimits with a clear Error.
//   - JSON objects should be nlohmann::ordered_json: key order is visible in the output
//     (`tool | tojson`, `for k, v in d.items()`), and Python keeps insertion order. A plain
//     nlohmann::json converts implicitly but its keys come out sorted.
//   - A parsed ChatTemplate is immutable; render() may be called from several threads at once.
//   - Known gaps (where jinja2 prints something else instead of primer failing): Unicode case
//     mapping and character classes (upper/lower/title, isalpha, wordcount, repr's escaping of
//     unprintable characters) cover Latin, Greek, Cyrillic, Armenian, CJK and common symbols
//     only; Greek final sigma is not special-cased. Integers are 64-bit (overflow is an Error).
//     Generator-returning filters (select, map, ...) run eagerly, so an error inside one
//     surfaces even when its result is never used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "primer/error.h"

namespace primer {

namespace chat {
struct Program;
}

// Bounds on one render. Exceeding any of them is an Error, never a truncated prompt.
struct TemplateLimits {
  uint64_t max_steps = 20'000'000;      // statements executed + loop iterations + calls
  size_t max_call_depth = 128;          // nested macro calls
  size_t max_output_bytes = 64u << 20;  // size of the output and of any string built on the way
  size_t max_items = 1u << 22;          // length of any list built (range(), `*`, ...)
};

// A wall-clock time for strftime_now(), read as local time (like Python's naive datetime.now()).
struct LocalTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

struct TemplateRenderOptions {
  std::optional<LocalTime> now;  // strftime_now() time; empty = the current local time
  TemplateLimits limits;
};

class ChatTemplate {
 public:
  // Parses Jinja source. Syntax errors and constructs outside the supported subset are Errors
  // "[template] line N: ...".
  static Result<ChatTemplate> parse(std::string_view source);

  // Renders with `context` (a JSON object) as the template's variables.
  Result<std::string> render(const nlohmann::ordered_json& context, const TemplateRenderOptions& options = {}) const;

 private:
  explicit ChatTemplate(std::shared_ptr<const chat::Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const chat::Program> program_;
};

// The variables transformers passes to a chat template.
struct ChatRenderOptions {
  bool add_generation_prompt = false;
  // Special-token strings; left empty they are not passed at all (undefined in the template,
  // as when a tokenizer has no such token).
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  nlohmann::ordered_json tools = nullptr;      // list of tool schemas, or null (= None)
  nlohmann::ordered_json documents = nullptr;  // list of documents, or null (= None)
  // More variables, e.g. {"enable_thinking": false}; they override the ones above.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  TemplateRenderOptions render;
};

// Renders `messages` (a JSON array) the way transformers' apply_chat_template does:
// template.render(messages=..., tools=..., documents=..., add_generation_prompt=...,
// bos_token=..., eos_token=..., **extra).
Result<std::string> render_chat(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                                const ChatRenderOptions& options);

}  // namespace primer
