#pragma once
// OpenAI request bodies -> validated, typed requests (POST /v1/chat/completions and
// /v1/completions), and the error shape every endpoint answers with. Pure functions: no I/O, no
// model; the fuzz target fuzz/serve_request_fuzz.cpp drives parse_*_request with arbitrary bytes.
//
// Errors: `param` is the field path ("messages[2].content[0].text", "logit_bias.42"), `code` one of
// OpenAI's (invalid_type, invalid_value, missing_required_parameter, empty_array,
// integer_above_max_value, ...). A body that is not JSON (or holds invalid UTF-8, or nests deeper
// than 64 levels / has an object of more than 512 members: ordered_json inserts in O(members)) is a
// 400; invalid UTF-8 names the field that holds it. No exception leaves these functions
// (an unexpected one becomes a 500 server_error); every error message is valid UTF-8.
//
// Policy (as OpenAI's API): unknown fields are ignored; a known field of the wrong type or out of
// range is a 400 whose `param` names it ("messages[2].content", "top_logprobs"); absurd values are
// refused, not clamped (max_tokens above the server's limit -> 400 naming the limit).
// Sampling defaults are OpenAI's (temperature 1, top_p 1, no penalties); llama.cpp's extension
// fields top_k, min_p, repeat_penalty are accepted too.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "primer/chat_template.h"
#include "primer/sampler.h"
#include "primer/tokenizer.h"

namespace primer::serve {

// {"error": {"message", "type", "param", "code"}} with its HTTP status.
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";  // invalid_request_error | authentication_error |
                                               // not_found_error | rate_limit_error | server_error
  std::string message;
  std::string param;  // "" -> null
  std::string code;   // "" -> null
  nlohmann::ordered_json to_json() const;
};
ApiError invalid_request(std::string param, std::string message, std::string code = "");
ApiError api_error(int status, std::string type, std::string message, std::string code = "");

template <class T>
using ApiResult = std::variant<T, ApiError>;

// Server-side limits that requests are checked against.
struct RequestLimits {
  int64_t max_tokens = 4096;       // largest max_tokens / max_completion_tokens accepted
  int max_n = 16;                  // largest n
  int max_stop = 4;                // stop strings (OpenAI allows up to 4)
  size_t max_stop_bytes = 256;     // each
  int max_top_logprobs = 20;
  size_t max_messages = 1024;
  size_t max_prompts = 16;         // /v1/completions: prompts in one request (each makes n choices)
};

struct ResponseFormat {
  enum class Kind { kText, kJsonObject, kJsonSchema };
  Kind kind = Kind::kText;
  std::string schema;  // kJsonSchema: the schema, serialized (json_schema.schema)
  std::string name;    // json_schema.name
};

// What both endpoints share after validation.
struct GenerationParams {
  std::string model;                 // as sent ("" when absent)
  bool stream = false;
  bool include_usage = false;        // stream_options.include_usage, and only when stream
  int64_t max_tokens = -1;           // -1: not given (the server applies its own cap); else chat
                                     // [1, limit] (max_completion_tokens wins over max_tokens),
                                     // completions [0, limit] (0: echo/logprobs of the prompt only)
  // Set by the parser to OpenAI's defaults: temperature 1, top_p 1, no penalties; llama.cpp's
  // extensions off (top_k 0, min_p 0, repeat_penalty 1); repeat_last_n -1 (OpenAI's penalties
  // count every generated token); seed 0 unless has_seed (the server should then pick one).
  SamplingParams sampling;
  bool has_seed = false;             // seed given (sampling.seed holds it, int64 bits)
  std::vector<std::string> stop;     // non-empty strings ("" is dropped: it would stop at once)
  int n = 1;
  int top_logprobs = -1;             // -1: no logprobs; else 0..max (chat: logprobs true + top_logprobs;
                                     // completions: logprobs 0..5)
  ResponseFormat response_format;    // json_schema without a schema -> kJsonObject
  std::string user;
};

struct ChatRequest {
  GenerationParams params;
  // Validated messages, normalized for the template: each {"role": ..., "content": "text"}
  // (content parts [{"type":"text","text":...}] are joined with "\n"; null content of an assistant
  // message with tool_calls becomes ""; role "developer" becomes "system"; name / tool_calls /
  // tool_call_id / reasoning_content are kept; tool_calls[].function.arguments holding a JSON
  // object string is parsed into the object, as templates expect). See openai_request_chat.cpp.
  nlohmann::ordered_json messages;
  nlohmann::ordered_json tools = nullptr;  // passed to the template when given
};

struct CompletionRequest {
  GenerationParams params;
  // One entry per prompt (a string, or token ids); `prompt` may be a string, an array of
  // strings, an array of token ids or an array of arrays of token ids.
  std::vector<std::variant<std::string, std::vector<int32_t>>> prompts;
  bool echo = false;
};

// Checks what needs the vocabulary: logit_bias token ids < vocab size (400 "logit_bias.<id>").
std::optional<ApiError> check_against_vocab(const GenerationParams& params, const Tokenizer& tok);

ApiResult<ChatRequest> parse_chat_request(std::string_view body, const RequestLimits& limits);
ApiResult<CompletionRequest> parse_completion_request(std::string_view body, const RequestLimits& limits);

// The prompt tokens of a chat request: the conversation rendered with the model's template
// (assistant prompt open), tokenized. Text from the messages never becomes control tokens:
// when a message's content contains a control token's text ("<|im_end|>"), the rendered prompt
// is tokenized piecewise (template text with special tokens, message text without); otherwise
// the whole text is tokenized at once with special tokens parsed (identical to `primer run
// --chat`). BOS is prepended when the model adds one and the text does not start with it.
// Errors: the template fails to render (400 naming the message when it is the cause).
ApiResult<std::vector<int32_t>> chat_prompt_tokens(const ChatTemplate& tmpl, const Tokenizer& tok,
                                                   const ChatRequest& request);

// The prompt tokens of one completion prompt: a string is tokenized with special tokens parsed
// (the caller writes the whole prompt, e.g. fill-in-the-middle markers) and BOS added as the
// model's tokenizer does; token ids are checked against the vocabulary (400 naming
// "prompt[i][j]").
ApiResult<std::vector<int32_t>> completion_prompt_tokens(
    const Tokenizer& tok, const std::variant<std::string, std::vector<int32_t>>& prompt, size_t index);

}  // namespace primer::serve
