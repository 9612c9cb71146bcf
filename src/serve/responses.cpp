// OpenAI response bodies and streaming chunks (see responses.h).
#include "serve/responses.h"

namespace primer::serve {

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string sse(const Json& j) { return "data: " + dump(j) + "\n\n"; }

Json usage_json(const Usage& u) {
  return Json{{"prompt_tokens", u.prompt_tokens},
              {"completion_tokens", u.completion_tokens},
              {"total_tokens", u.prompt_tokens + u.completion_tokens},
              {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}}};
}

Usage total_usage(const std::vector<ChoiceResult>& choices, int n_per_prompt) {
  Usage u;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (static_cast<int>(i) % n_per_prompt == 0) {
      u.prompt_tokens += choices[i].prompt_tokens;
      u.cached_tokens += choices[i].cached_tokens;
    }
    u.completion_tokens += choices[i].completion_tokens;
  }
  return u;
}

namespace {

// The fields every response object and chunk starts with.
Json envelope(const ResponseMeta& meta, bool chunk) {
  Json out;
  out["id"] = meta.id;
  out["object"] = meta.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  out["created"] = meta.created;
  out["model"] = meta.model;
  out["system_fingerprint"] = "primer";
  return out;
}

Json bytes_json(std::string_view s) {
  Json a = Json::array();
  for (unsigned char c : s) a.push_back(static_cast<int>(c));
  return a;
}

}  // namespace

Json chat_logprobs_json(const std::vector<TokenLogprob>& lps, const TokenTexts& texts) {
  Json content = Json::array();
  for (const TokenLogprob& lp : lps) {
    Json top = Json::array();
    for (const auto& [id, logprob] : lp.top) {
      const std::string_view t = texts.text(id);
      top.push_back({{"token", std::string(t)}, {"logprob", logprob}, {"bytes", bytes_json(t)}});
    }
    content.push_back(
        {{"token", lp.text}, {"logprob", lp.logprob}, {"bytes", bytes_json(lp.text)}, {"top_logprobs", top}});
  }
  return Json{{"content", content}, {"refusal", nullptr}};
}

Json completion_logprobs_json(const std::vector<TokenLogprob>& lps, const TokenTexts& texts,
                              size_t text_offset) {
  Json tokens = Json::array(), token_logprobs = Json::array(), top = Json::array(), offsets = Json::array();
  for (const TokenLogprob& lp : lps) {
    tokens.push_back(lp.text);
    token_logprobs.push_back(lp.logprob);
    Json alt = Json::object();
    for (const auto& [id, logprob] : lp.top) alt[std::string(texts.text(id))] = logprob;
    top.push_back(alt);
    offsets.push_back(text_offset);
    text_offset += lp.text.size();
  }
  return Json{{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top}, {"text_offset", offsets}};
}

const char* finish_name(FinishReason r) { return r == FinishReason::kLength ? "length" : "stop"; }

Json full_response(const ResponseMeta& meta, const std::vector<ChoiceResult>& choices, int n_per_prompt,
                   bool want_logprobs, const TokenTexts& texts) {
  Json out = envelope(meta, false);
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChoiceResult& c = choices[i];
    Json choice;
    choice["index"] = i;
    if (meta.chat) {
      choice["message"] = {{"role", "assistant"}, {"content", c.text}, {"refusal", nullptr}};
      choice["logprobs"] = want_logprobs ? chat_logprobs_json(c.logprobs, texts) : Json(nullptr);
    } else {
      choice["text"] = c.text;
      choice["logprobs"] = want_logprobs ? completion_logprobs_json(c.logprobs, texts, 0) : Json(nullptr);
    }
    choice["finish_reason"] = finish_name(c.finish);
    list.push_back(std::move(choice));
  }
  out["choices"] = std::move(list);
  out["usage"] = usage_json(total_usage(choices, n_per_prompt));
  return out;
}

Json chunk(const ResponseMeta& meta, int index, const std::string* role, const std::string& text,
           const Json& logprobs, const char* finish, bool include_usage_null) {
  Json out = envelope(meta, true);
  Json choice;
  choice["index"] = index;
  if (meta.chat) {
    Json delta = Json::object();
    if (role != nullptr) delta["role"] = *role;
    if (role != nullptr || !text.empty()) delta["content"] = text;
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = text;
  }
  choice["logprobs"] = logprobs;
  choice["finish_reason"] = finish != nullptr ? Json(finish) : Json(nullptr);
  out["choices"] = Json::array({std::move(choice)});
  if (include_usage_null) out["usage"] = nullptr;
  return out;
}

Json usage_chunk(const ResponseMeta& meta, const Usage& usage) {
  Json out = envelope(meta, true);
  out["choices"] = Json::array();
  out["usage"] = usage_json(usage);
  return out;
}

}  // namespace primer::serve
