// Fuzzes the chat-template engine: arbitrary bytes are parsed as a template and, when they parse,
// rendered against a small fixed conversation (with tools) under tight limits, so every input
// terminates quickly. Any crash, sanitizer report or hang is a bug: bad templates must come
// back as Errors. Seeds: fuzz/corpus/chat_template/ (real model templates).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "primer/chat_template.h"

namespace {

const nlohmann::ordered_json& conversation() {
  static const nlohmann::ordered_json kMessages = nlohmann::ordered_json::parse(R"([
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "What's the weather in Paris? \u00e9\u4f60"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "call12345", "type": "function",
      "function": {"name": "get_weather", "arguments": {"location": "Paris", "days": 2, "x": 0.5}}}]},
    {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "sunny"},
    {"role": "assistant", "content": "<think>\nok\n</think>\n\nIt is sunny.", "reasoning_content": "r"},
    {"role": "user", "content": [{"type": "text", "text": "thanks"}]}
  ])");
  return kMessages;
}

const nlohmann::ordered_json& tools() {
  static const nlohmann::ordered_json kTools = nlohmann::ordered_json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "description": "Weather",
      "parameters": {"type": "object", "properties": {"location": {"type": "string"},
      "days": {"type": "integer", "enum": [1, 2]}}, "required": ["location"]}}}
  ])");
  return kTools;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto tmpl = primer::ChatTemplate::parse(source);
  if (!tmpl.ok()) return 0;
  primer::ChatRenderOptions opt;
  opt.add_generation_prompt = (size & 1) != 0;
  opt.bos_token = "<s>";
  opt.eos_token = "</s>";
  opt.tools = tools();
  opt.extra = {{"enable_thinking", (size & 2) != 0}};
  opt.render.now = primer::LocalTime{2025, 7, 26, 14, 30, 5};
  opt.render.limits.max_steps = 200'000;
  opt.render.limits.max_output_bytes = 1 << 20;
  opt.render.limits.max_items = 1 << 16;
  opt.render.limits.max_call_depth = 64;
  auto out = primer::render_chat(*tmpl, conversation(), opt);
  (void)out;
  return 0;
}
