// Prompt tokens for the two endpoints (see openai_request.h).
//
// Chat: the conversation is rendered with the model's template exactly as `primer run --chat`
// does (add_generation_prompt, bos/eos text from the tokenizer) and tokenized at once with
// special tokens parsed, so prefixes match the CLI and the prefix cache. The injection defence:
// a message whose content (or reasoning_content) would tokenize to a control token is a "slot".
// The conversation is rendered a second time with each slot replaced by a plain placeholder;
// the text between placeholders is the template's own. When the template text with the slots
// put back (verbatim, or all whitespace-trimmed for templates that `| trim`) is byte-identical to
// the real rendering, the prompt is tokenized piecewise: template text with special tokens
// parsed, slot text without. Otherwise (the template transforms such content) the request is
// refused (400) rather than risking control tokens from user text. Control text in names,
// tool calls or tool definitions is refused outright.
//
// Cost: one extra tokenization of the message text (the taint check); a second render only for
// requests that carry control-token text.
#include <algorithm>

#include "primer/utf8.h"
#include "serve/openai_request_fields.h"

namespace primer::serve {

using detail::Json;

namespace {

constexpr EncodeOptions kTemplateText{/*add_special=*/false, /*parse_special=*/true};
constexpr EncodeOptions kUserText{/*add_special=*/false, /*parse_special=*/false};

// The first control token that special parsing would produce from `s`, or "".
std::string control_text_in(const Tokenizer& tok, std::string_view s) {
  if (s.empty()) return {};
  for (int32_t id : tok.encode(s, kTemplateText)) {
    if (tok.attr(id) == TokenAttr::kControl) return tok.piece(id);
  }
  return {};
}

void prepend_bos(const Tokenizer& tok, std::vector<int32_t>& ids) {
  // as src/cli/generation.cpp tokenize_chat_prompt(): the template usually writes BOS itself
  if (tok.add_bos() && tok.bos() && (ids.empty() || ids.front() != *tok.bos())) ids.insert(ids.begin(), *tok.bos());
}

ApiError control_error(const std::string& path, const std::string& control, const std::string& why) {
  return detail::value_error(path, "Invalid '" + path + "': contains the text of the control token '" +
                                       detail::printable(control) + "'" + why + ".");
}

struct Slot {
  size_t message;
  const char* field;  // "content" | "reasoning_content"
  std::string text;
  std::string control;  // the control token's text found in it
};

std::string_view trim_ascii(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Piecewise tokenization of `rendered` (see the top of the file), or the error naming the slot.
ApiResult<std::vector<int32_t>> tokenize_with_slots(const ChatTemplate& tmpl, const Tokenizer& tok,
                                                    const ChatRequest& request, const ChatRenderOptions& opt,
                                                    const std::string& rendered, const std::vector<Slot>& slots) {
  // A placeholder base that occurs nowhere in the real rendering.
  std::string base = "@@primer-slot-";
  while (rendered.find(base) != std::string::npos) base += 'x';
  auto placeholder = [&](size_t k) { return base + std::to_string(k) + "@@"; };

  Json messages = request.messages;
  for (size_t k = 0; k < slots.size(); ++k) messages[slots[k].message][slots[k].field] = placeholder(k);
  auto fail = [&](size_t k) {
    return control_error("messages[" + std::to_string(slots[k].message) + "]." + slots[k].field,
                         slots[k].control,
                         ", which this model's chat template does not keep verbatim");
  };
  auto with_placeholders = render_chat(tmpl, messages, opt);
  if (!with_placeholders.ok()) return fail(0);
  const std::string& text = *with_placeholders;

  // Where each placeholder is (exactly once each), in text order.
  std::vector<std::pair<size_t, size_t>> at;  // (offset, slot)
  for (size_t k = 0; k < slots.size(); ++k) {
    const std::string p = placeholder(k);
    const size_t pos = text.find(p);
    if (pos == std::string::npos || text.find(p, pos + 1) != std::string::npos) return fail(k);
    at.emplace_back(pos, k);
  }
  std::sort(at.begin(), at.end());

  for (bool trimmed : {false, true}) {
    // pieces: (text, is_template)
    std::vector<std::pair<std::string_view, bool>> pieces;
    std::string joined;
    size_t cursor = 0;
    for (const auto& [pos, k] : at) {
      pieces.emplace_back(std::string_view(text).substr(cursor, pos - cursor), true);
      const std::string_view slot = trimmed ? trim_ascii(slots[k].text) : std::string_view(slots[k].text);
      pieces.emplace_back(slot, false);
      cursor = pos + placeholder(k).size();
    }
    pieces.emplace_back(std::string_view(text).substr(cursor), true);
    for (const auto& [piece, is_template] : pieces) joined += piece;
    if (joined != rendered) continue;
    std::vector<int32_t> ids;
    for (const auto& [piece, is_template] : pieces) {
      if (piece.empty()) continue;
      const std::vector<int32_t> part = tok.encode(piece, is_template ? kTemplateText : kUserText);
      ids.insert(ids.end(), part.begin(), part.end());
    }
    prepend_bos(tok, ids);
    return ids;
  }
  return fail(at.front().second);
}

ApiResult<std::vector<int32_t>> chat_tokens(const ChatTemplate& tmpl, const Tokenizer& tok, const ChatRequest& request) {
  ChatRenderOptions opt;
  opt.add_generation_prompt = true;
  if (tok.bos()) opt.bos_token = tok.bos_text();
  if (tok.eos()) opt.eos_token = tok.eos_text();
  opt.tools = request.tools;

  // The taint check.
  std::vector<Slot> slots;
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const Json& m = request.messages[i];
    const std::string path = "messages[" + std::to_string(i) + "]";
    for (const char* field : {"content", "reasoning_content"}) {
      auto it = m.find(field);
      if (it == m.end() || !it->is_string()) continue;
      const std::string& s = it->get_ref<const std::string&>();
      std::string c = control_text_in(tok, s);
      if (!c.empty()) slots.push_back(Slot{i, field, s, std::move(c)});
    }
    if (auto it = m.find("name"); it != m.end() && it->is_string()) {
      std::string c = control_text_in(tok, it->get_ref<const std::string&>());
      if (!c.empty()) return control_error(path + ".name", c, "");
    }
    if (auto it = m.find("tool_calls"); it != m.end()) {
      std::string c = control_text_in(tok, it->dump());
      if (!c.empty()) return control_error(path + ".tool_calls", c, "");
    }
  }
  if (!request.tools.is_null()) {
    std::string c = control_text_in(tok, request.tools.dump());
    if (!c.empty()) return control_error("tools", c, "");
  }

  auto rendered = render_chat(tmpl, request.messages, opt);
  if (!rendered.ok()) {
    return detail::value_error("messages", "Invalid 'messages': the model's chat template cannot render this "
                                           "conversation: " +
                                               utf8::sanitize(rendered.error().message));
  }
  std::vector<int32_t> ids;
  if (slots.empty()) {
    ids = tok.encode(*rendered, kTemplateText);
    prepend_bos(tok, ids);
  } else {
    auto r = tokenize_with_slots(tmpl, tok, request, opt, *rendered, slots);
    if (std::holds_alternative<ApiError>(r)) return r;
    ids = std::move(std::get<std::vector<int32_t>>(r));
  }
  if (ids.empty()) return detail::value_error("messages", "Invalid 'messages': the rendered conversation is empty.");
  return ids;
}

}  // namespace

ApiResult<std::vector<int32_t>> chat_prompt_tokens(const ChatTemplate& tmpl, const Tokenizer& tok,
                                                   const ChatRequest& request) {
  try {
    return chat_tokens(tmpl, tok, request);
  } catch (const std::exception& e) {
    return detail::exception_error(e);
  }
}

ApiResult<std::vector<int32_t>> completion_prompt_tokens(
    const Tokenizer& tok, const std::variant<std::string, std::vector<int32_t>>& prompt, size_t index) {
  const std::string path = "prompt[" + std::to_string(index) + "]";
  if (const auto* text = std::get_if<std::string>(&prompt)) {
    EncodeOptions eo;  // BOS as the model adds it; the caller's special-token text is parsed
    eo.add_special = true;
    eo.parse_special = true;
    std::vector<int32_t> ids = tok.encode(*text, eo);
    if (ids.empty()) {
      const std::string p = index == 0 ? "prompt" : path;
      return detail::value_error(p, "Invalid '" + p + "': the prompt is empty (and the model adds no BOS token).");
    }
    return ids;
  }
  const auto& ids = std::get<std::vector<int32_t>>(prompt);
  for (size_t j = 0; j < ids.size(); ++j) {
    if (ids[j] < 0 || static_cast<size_t>(ids[j]) >= tok.vocab_size()) {
      const std::string p = path + "[" + std::to_string(j) + "]";
      return detail::value_error(p, "Invalid '" + p + "': token id " + std::to_string(ids[j]) +
                                        " is outside the vocabulary (" + std::to_string(tok.vocab_size()) +
                                        " tokens).");
    }
  }
  if (ids.empty()) return detail::value_error(path, "Invalid '" + path + "': empty array.", "empty_array");
  return ids;
}

}  // namespace primer::serve
