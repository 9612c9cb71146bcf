#pragma once
// OpenAI response bodies: chat.completion / text_completion objects, their streaming chunks
// (chat.completion.chunk, SSE framing) and logprobs in both endpoints' shapes. Pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "primer/grammar.h"
#include "primer/scheduler.h"

namespace primer::serve {

using Json = nlohmann::ordered_json;

// Serializes for the wire; invalid UTF-8 (a token cut inside a character) becomes U+FFFD.
std::string dump(const Json& j);
// "data: <json>\n\n"
std::string sse(const Json& j);

struct ResponseMeta {
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // unix seconds
  std::string model;
  bool chat = true;
};

// Everything one choice produced, accumulated from its events.
struct ChoiceResult {
  std::string text;
  std::vector<TokenLogprob> logprobs;
  bool done = false;
  FinishReason finish = FinishReason::kStop;
  int64_t prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;
};

struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0;
};
Json usage_json(const Usage& u);
// Prompt tokens count once per prompt (choices of one prompt share it), completions sum.
Usage total_usage(const std::vector<ChoiceResult>& choices, int n_per_prompt);

// logprobs of one chunk of tokens: chat {"content": [...], "refusal": null}; completions
// {"tokens", "token_logprobs", "top_logprobs", "text_offset"} (offsets from `text_offset`).
Json chat_logprobs_json(const std::vector<TokenLogprob>& lps, const TokenTexts& texts);
Json completion_logprobs_json(const std::vector<TokenLogprob>& lps, const TokenTexts& texts,
                              size_t text_offset);

// The whole non-streamed response. want_logprobs: add the logprobs objects (else null).
Json full_response(const ResponseMeta& meta, const std::vector<ChoiceResult>& choices, int n_per_prompt,
                   bool want_logprobs, const TokenTexts& texts);

// One streamed chunk for choice `index`: delta text (chat: {"content": ...}, with the role on a
// choice's first chunk), optional logprobs, finish_reason when `finish` is set.
Json chunk(const ResponseMeta& meta, int index, const std::string* role, const std::string& text,
           const Json& logprobs, const char* finish, bool include_usage_null);
// The final usage chunk (choices: []).
Json usage_chunk(const ResponseMeta& meta, const Usage& usage);

const char* finish_name(FinishReason r);  // "stop" | "length" (cancelled/error never reach a client)

}  // namespace primer::serve
