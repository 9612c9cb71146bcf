// parse_chat_request / parse_completion_request: every field's valid and invalid forms, defaults,
// aliases and the error shape (status, type, param, code) OpenAI's API answers with.
#include <gtest/gtest.h>

#include <string>

#include "serve/openai_request.h"

namespace primer::serve {
namespace {

using Json = nlohmann::ordered_json;

std::string msgs(const std::string& extra = "") {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}])" + (extra.empty() ? "" : "," + extra) + "}";
}
std::string comp(const std::string& extra = "") {
  return R"({"model":"m","prompt":"hi")" + (extra.empty() ? "" : "," + extra) + "}";
}

ChatRequest chat_ok(const std::string& body, const RequestLimits& limits = {}) {
  auto r = parse_chat_request(body, limits);
  if (auto* e = std::get_if<ApiError>(&r)) {
    ADD_FAILURE() << "unexpected error for " << body << ": " << e->message << " (param " << e->param << ")";
    return {};
  }
  return std::get<ChatRequest>(std::move(r));
}

CompletionRequest comp_ok(const std::string& body, const RequestLimits& limits = {}) {
  auto r = parse_completion_request(body, limits);
  if (auto* e = std::get_if<ApiError>(&r)) {
    ADD_FAILURE() << "unexpected error for " << body << ": " << e->message << " (param " << e->param << ")";
    return {};
  }
  return std::get<CompletionRequest>(std::move(r));
}

template <class T>
ApiError err_of(const ApiResult<T>& r, const std::string& body) {
  if (!std::holds_alternative<ApiError>(r)) {
    ADD_FAILURE() << "expected an error for " << body;
    return {};
  }
  return std::get<ApiError>(r);
}
ApiError chat_err(const std::string& body, const RequestLimits& limits = {}) {
  return err_of(parse_chat_request(body, limits), body);
}
ApiError comp_err(const std::string& body, const RequestLimits& limits = {}) {
  return err_of(parse_completion_request(body, limits), body);
}

// ---- the body ----

TEST(OpenAiRequest, InvalidJsonIs400WithoutParam) {
  for (const char* body : {"", "{", "{\"messages\": [}", "nul", "{\"a\":1}x", "{'a':1}"}) {
    ApiError e = chat_err(body);
    EXPECT_EQ(e.status, 400) << body;
    EXPECT_EQ(e.type, "invalid_request_error");
    EXPECT_EQ(e.param, "");
    EXPECT_NE(e.message.find("could not parse the JSON body"), std::string::npos) << e.message;
    ApiError c = comp_err(body);
    EXPECT_EQ(c.status, 400);
    // the error serializes (no exception from bytes of the body in the message)
    EXPECT_NO_THROW((void)c.to_json().dump());
  }
}

TEST(OpenAiRequest, BodyMustBeAnObject) {
  for (const char* body : {"[]", "1", "\"s\"", "null", "true"}) {
    ApiError e = chat_err(body);
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "invalid_type");
    EXPECT_NE(e.message.find("JSON object"), std::string::npos);
    EXPECT_EQ(comp_err(body).status, 400);
  }
}

TEST(OpenAiRequest, InvalidUtf8NamesTheField) {
  struct Case {
    std::string body, param;
  } cases[] = {
      {"{\"messages\":[{\"role\":\"user\",\"content\":\"a\xff\"}]}", "messages[0].content"},
      {"{\"messages\":[{\"role\":\"user\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
       "\"text\":\"\xc3\"}]}]}",
       "messages[1].content[0].text"},
      {"{\"model\":\"\xed\xa0\x80\"}", "model"},                    // encoded surrogate
      {"{\"user\":\"\\ud800\"}", "user"},                           // lone high surrogate escape
      {"{\"stop\":[\"a\",\"\\udc00\"]}", "stop[1]"},                // lone low surrogate escape
      {"{\"messages\":[{\"role\":\"user\",\"co\xffnt\":1}]}", "messages[0]"},  // in a key
      {"\"\xc0\x80\"", ""},                                          // overlong, top level
  };
  for (const auto& c : cases) {
    ApiError e = chat_err(c.body);
    EXPECT_EQ(e.status, 400) << c.body;
    EXPECT_EQ(e.param, c.param) << c.body;
    EXPECT_NE(e.message.find("UTF-8"), std::string::npos) << e.message;
    EXPECT_NO_THROW((void)e.to_json().dump());
  }
}

TEST(OpenAiRequest, DeepNestingAndHugeObjectsAreRefused) {
  std::string deep = "{\"messages\":" + std::string(200, '[') + std::string(200, ']') + "}";
  ApiError e = chat_err(deep);
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.message.find("deeper"), std::string::npos);
  std::string wide = "{";
  for (int i = 0; i < 2000; ++i) wide += "\"k" + std::to_string(i) + "\":1,";
  wide += "\"z\":1}";
  EXPECT_NE(chat_err(wide).message.find("members"), std::string::npos);
  // brackets inside strings do not count
  ChatRequest ok = chat_ok(R"({"messages":[{"role":"user","content":")" + std::string(500, '[') + "\\\"{\"}]}");
  EXPECT_EQ(ok.messages[0]["content"], std::string(500, '[') + "\"{");
}

TEST(OpenAiRequest, UnknownFieldsAreIgnored) {
  ChatRequest r = chat_ok(msgs(R"("frobnicate":{"x":[1,2]},"metadata":{"a":"b"},"store":true,"tool_choice":"auto")"));
  EXPECT_EQ(r.messages.size(), 1u);
  CompletionRequest c = comp_ok(comp(R"("whatever":[null],"best_of":1)"));
  EXPECT_EQ(c.prompts.size(), 1u);
}

// ---- defaults ----

TEST(OpenAiRequest, ChatDefaultsAreOpenAis) {
  ChatRequest r = chat_ok(R"({"messages":[{"role":"user","content":"hi"}]})");
  const GenerationParams& p = r.params;
  EXPECT_EQ(p.model, "");
  EXPECT_FALSE(p.stream);
  EXPECT_FALSE(p.include_usage);
  EXPECT_EQ(p.max_tokens, -1);
  EXPECT_FLOAT_EQ(p.sampling.temperature, 1.0f);
  EXPECT_FLOAT_EQ(p.sampling.top_p, 1.0f);
  EXPECT_EQ(p.sampling.top_k, 0);
  EXPECT_FLOAT_EQ(p.sampling.min_p, 0.0f);
  EXPECT_FLOAT_EQ(p.sampling.repeat_penalty, 1.0f);
  EXPECT_FLOAT_EQ(p.sampling.presence_penalty, 0.0f);
  EXPECT_FLOAT_EQ(p.sampling.frequency_penalty, 0.0f);
  EXPECT_TRUE(p.sampling.logit_bias.empty());
  EXPECT_FALSE(p.has_seed);
  EXPECT_TRUE(p.stop.empty());
  EXPECT_EQ(p.n, 1);
  EXPECT_EQ(p.top_logprobs, -1);
  EXPECT_EQ(p.response_format.kind, ResponseFormat::Kind::kText);
  EXPECT_EQ(p.user, "");
  EXPECT_TRUE(r.tools.is_null());
  EXPECT_TRUE(p.sampling.validate().ok());
}

TEST(OpenAiRequest, NullMeansAbsent) {
  ChatRequest r = chat_ok(msgs(
      R"("temperature":null,"top_p":null,"max_tokens":null,"n":null,"stop":null,"seed":null,"logprobs":null,)"
      R"("top_logprobs":null,"logit_bias":null,"response_format":null,"tools":null,"user":null,"stream":null)"));
  EXPECT_FLOAT_EQ(r.params.sampling.temperature, 1.0f);
  EXPECT_EQ(r.params.max_tokens, -1);
  EXPECT_EQ(r.params.top_logprobs, -1);
  EXPECT_FALSE(r.params.has_seed);
}

// ---- every field: valid values ----

TEST(OpenAiRequest, ValidFieldsAreRead) {
  ChatRequest r = chat_ok(msgs(
      R"("model":"qwen","stream":true,"stream_options":{"include_usage":true},"max_tokens":100,)"
      R"("temperature":0.5,"top_p":0.9,"seed":-7,"stop":["\n\n","END"],"n":3,"presence_penalty":-2,)"
      R"("frequency_penalty":1.5,"logit_bias":{"42":-100,"7":2.5},"logprobs":true,"top_logprobs":5,)"
      R"("user":"u1","top_k":40,"min_p":0.05,"repeat_penalty":1.1,"repeat_last_n":64)"));
  const GenerationParams& p = r.params;
  EXPECT_EQ(p.model, "qwen");
  EXPECT_TRUE(p.stream);
  EXPECT_TRUE(p.include_usage);
  EXPECT_EQ(p.max_tokens, 100);
  EXPECT_FLOAT_EQ(p.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(p.sampling.top_p, 0.9f);
  EXPECT_TRUE(p.has_seed);
  EXPECT_EQ(p.sampling.seed, static_cast<uint64_t>(int64_t{-7}));
  EXPECT_EQ(p.stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_EQ(p.n, 3);
  EXPECT_FLOAT_EQ(p.sampling.presence_penalty, -2.0f);
  EXPECT_FLOAT_EQ(p.sampling.frequency_penalty, 1.5f);
  EXPECT_EQ(p.sampling.logit_bias, (std::map<int32_t, float>{{7, 2.5f}, {42, -100.0f}}));
  EXPECT_EQ(p.top_logprobs, 5);
  EXPECT_EQ(p.user, "u1");
  EXPECT_EQ(p.sampling.top_k, 40);
  EXPECT_FLOAT_EQ(p.sampling.min_p, 0.05f);
  EXPECT_FLOAT_EQ(p.sampling.repeat_penalty, 1.1f);
  EXPECT_EQ(p.sampling.repeat_last_n, 64);
  EXPECT_TRUE(p.sampling.validate().ok());
}

TEST(OpenAiRequest, BoundaryValuesAreAccepted) {
  RequestLimits l;
  l.max_tokens = 50;
  l.max_n = 4;
  EXPECT_FLOAT_EQ(chat_ok(msgs(R"("temperature":0)")).params.sampling.temperature, 0.0f);
  EXPECT_FLOAT_EQ(chat_ok(msgs(R"("temperature":2)")).params.sampling.temperature, 2.0f);
  EXPECT_FLOAT_EQ(chat_ok(msgs(R"("top_p":1)")).params.sampling.top_p, 1.0f);
  EXPECT_GT(chat_ok(msgs(R"("top_p":1e-300)")).params.sampling.top_p, 0.0f);  // (0, 1]: tiny stays > 0
  EXPECT_EQ(chat_ok(msgs(R"("max_tokens":50)"), l).params.max_tokens, 50);
  EXPECT_EQ(chat_ok(msgs(R"("max_tokens":1)"), l).params.max_tokens, 1);
  EXPECT_EQ(chat_ok(msgs(R"("max_tokens":7.0)"), l).params.max_tokens, 7);  // integral float
  EXPECT_EQ(chat_ok(msgs(R"("n":4)"), l).params.n, 4);
  EXPECT_EQ(chat_ok(msgs(R"("logprobs":true,"top_logprobs":20)")).params.top_logprobs, 20);
  EXPECT_EQ(chat_ok(msgs(R"("logprobs":true,"top_logprobs":0)")).params.top_logprobs, 0);
  EXPECT_EQ(chat_ok(msgs(R"("logprobs":true)")).params.top_logprobs, 0);
  EXPECT_EQ(chat_ok(msgs(R"("logprobs":false)")).params.top_logprobs, -1);
  EXPECT_EQ(chat_ok(msgs(R"("top_k":-1)")).params.sampling.top_k, 0);  // vLLM's "off"
  EXPECT_FLOAT_EQ(chat_ok(msgs(R"("logit_bias":{"0":100})")).params.sampling.logit_bias.at(0), 100.0f);
}

TEST(OpenAiRequest, SeedRange) {
  EXPECT_EQ(chat_ok(msgs(R"("seed":9223372036854775807)")).params.sampling.seed, 9223372036854775807ull);
  EXPECT_EQ(chat_ok(msgs(R"("seed":0)")).params.sampling.seed, 0u);
  EXPECT_TRUE(chat_ok(msgs(R"("seed":0)")).params.has_seed);
  EXPECT_EQ(chat_err(msgs(R"("seed":18446744073709551615)")).code, "integer_above_max_value");  // int64
  EXPECT_EQ(chat_err(msgs(R"("seed":9223372036854775808.0)")).code, "integer_above_max_value");
  EXPECT_EQ(chat_err(msgs(R"("seed":-1e19)")).code, "integer_below_min_value");
  EXPECT_EQ(chat_ok(msgs(R"("seed":-9223372036854775808)")).params.sampling.seed, 9223372036854775808ull);
  ApiError e = chat_err(msgs(R"("seed":1.5)"));
  EXPECT_EQ(e.param, "seed");
  EXPECT_EQ(e.code, "invalid_type");
}

TEST(OpenAiRequest, MaxCompletionTokensWinsOverMaxTokens) {
  EXPECT_EQ(chat_ok(msgs(R"("max_completion_tokens":9)")).params.max_tokens, 9);
  EXPECT_EQ(chat_ok(msgs(R"("max_tokens":5,"max_completion_tokens":9)")).params.max_tokens, 9);
  EXPECT_EQ(chat_ok(msgs(R"("max_completion_tokens":9,"max_tokens":5)")).params.max_tokens, 9);
  EXPECT_EQ(chat_ok(msgs(R"("max_tokens":5,"max_completion_tokens":null)")).params.max_tokens, 5);
  // both are checked
  EXPECT_EQ(chat_err(msgs(R"("max_tokens":"5","max_completion_tokens":9)")).param, "max_tokens");
  // /v1/completions has only max_tokens
  EXPECT_EQ(comp_ok(comp(R"("max_tokens":5,"max_completion_tokens":9)")).params.max_tokens, 5);
}

TEST(OpenAiRequest, StreamOptionsOnlyCountWhenStreaming) {
  EXPECT_FALSE(chat_ok(msgs(R"("stream":false,"stream_options":{"include_usage":true})")).params.include_usage);
  EXPECT_FALSE(chat_ok(msgs(R"("stream":true,"stream_options":{})")).params.include_usage);
  EXPECT_TRUE(chat_ok(msgs(R"("stream":true,"stream_options":{"include_usage":true})")).params.include_usage);
  EXPECT_TRUE(comp_ok(comp(R"("stream":true,"stream_options":{"include_usage":true})")).params.include_usage);
}

TEST(OpenAiRequest, StopForms) {
  EXPECT_EQ(chat_ok(msgs(R"("stop":"###")")).params.stop, std::vector<std::string>{"###"});
  EXPECT_EQ(chat_ok(msgs(R"("stop":["a","b","c","d"])")).params.stop.size(), 4u);
  EXPECT_TRUE(chat_ok(msgs(R"("stop":[])")).params.stop.empty());
  EXPECT_TRUE(chat_ok(msgs(R"("stop":"")")).params.stop.empty());  // would stop at once: dropped
  EXPECT_EQ(chat_ok(msgs(R"("stop":["","x"])")).params.stop, std::vector<std::string>{"x"});
}

TEST(OpenAiRequest, ResponseFormats) {
  EXPECT_EQ(chat_ok(msgs(R"("response_format":{"type":"text"})")).params.response_format.kind,
            ResponseFormat::Kind::kText);
  EXPECT_EQ(chat_ok(msgs(R"("response_format":{"type":"json_object"})")).params.response_format.kind,
            ResponseFormat::Kind::kJsonObject);
  ChatRequest r = chat_ok(msgs(
      R"("response_format":{"type":"json_schema","json_schema":{"name":"person_1","strict":true,)"
      R"("schema":{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}},"required":["z"]}}})"));
  const ResponseFormat& f = r.params.response_format;
  EXPECT_EQ(f.kind, ResponseFormat::Kind::kJsonSchema);
  EXPECT_EQ(f.name, "person_1");
  // key order as sent (it decides the order of the generated properties)
  EXPECT_EQ(f.schema,
            R"({"type":"object","properties":{"z":{"type":"string"},"a":{"type":"integer"}},"required":["z"]})");
  // no schema: any JSON object
  EXPECT_EQ(chat_ok(msgs(R"("response_format":{"type":"json_schema","json_schema":{"name":"x"}})"))
                .params.response_format.kind,
            ResponseFormat::Kind::kJsonObject);
}

// ---- every field: invalid values (status 400, type, param, code) ----

struct BadCase {
  const char* extra;  // added to a valid body
  const char* param;
  const char* code;   // "" = not checked
};

void expect_bad(const ApiError& e, const BadCase& c, const std::string& body) {
  EXPECT_EQ(e.status, 400) << body;
  EXPECT_EQ(e.type, "invalid_request_error") << body;
  EXPECT_EQ(e.param, c.param) << body << " -> " << e.message;
  if (*c.code) {
    EXPECT_EQ(e.code, c.code) << body << " -> " << e.message;
  }
  EXPECT_FALSE(e.message.empty());
  Json j = e.to_json();
  EXPECT_EQ(j["error"]["param"], Json(c.param));
}

const BadCase kSharedBad[] = {
    {R"("model":5)", "model", "invalid_type"},
    {R"("stream":"true")", "stream", "invalid_type"},
    {R"("stream":1)", "stream", "invalid_type"},
    {R"("stream_options":true)", "stream_options", "invalid_type"},
    {R"("stream":true,"stream_options":{"include_usage":"yes"})", "stream_options.include_usage", "invalid_type"},
    {R"("max_tokens":"5")", "max_tokens", "invalid_type"},
    {R"("max_tokens":5.5)", "max_tokens", "invalid_type"},
    {R"("max_tokens":4097)", "max_tokens", "integer_above_max_value"},
    {R"("max_tokens":1e300)", "max_tokens", "integer_above_max_value"},
    {R"("max_tokens":99999999999999999999)", "max_tokens", ""},
    {R"("max_tokens":-1)", "max_tokens", "integer_below_min_value"},
    {R"("temperature":"hot")", "temperature", "invalid_type"},
    {R"("temperature":2.01)", "temperature", "decimal_above_max_value"},
    {R"("temperature":-0.1)", "temperature", "decimal_below_min_value"},
    {R"("top_p":0)", "top_p", "decimal_below_min_value"},
    {R"("top_p":1.5)", "top_p", "decimal_above_max_value"},
    {R"("top_p":[1])", "top_p", "invalid_type"},
    {R"("seed":"1")", "seed", "invalid_type"},
    {R"("seed":true)", "seed", "invalid_type"},
    {R"("stop":5)", "stop", "invalid_type"},
    {R"("stop":["a",5])", "stop[1]", "invalid_type"},
    {R"("stop":["a","b","c","d","e"])", "stop", "array_above_max_length"},
    {R"("n":0)", "n", "integer_below_min_value"},
    {R"("n":17)", "n", "integer_above_max_value"},
    {R"("n":"2")", "n", "invalid_type"},
    {R"("presence_penalty":2.5)", "presence_penalty", "decimal_above_max_value"},
    {R"("presence_penalty":-3)", "presence_penalty", "decimal_below_min_value"},
    {R"("frequency_penalty":"0")", "frequency_penalty", "invalid_type"},
    {R"("frequency_penalty":-2.0001)", "frequency_penalty", "decimal_below_min_value"},
    {R"("logit_bias":[1])", "logit_bias", "invalid_type"},
    {R"("logit_bias":{"abc":1})", "logit_bias", "invalid_value"},
    {R"("logit_bias":{"-1":1})", "logit_bias", "invalid_value"},
    {R"("logit_bias":{"":1})", "logit_bias", "invalid_value"},
    {R"("logit_bias":{"99999999999":1})", "logit_bias", "invalid_value"},
    {R"("logit_bias":{"5":101})", "logit_bias.5", "decimal_above_max_value"},
    {R"("logit_bias":{"5":-100.5})", "logit_bias.5", "decimal_below_min_value"},
    {R"("logit_bias":{"5":"1"})", "logit_bias.5", "invalid_type"},
    {R"("user":1)", "user", "invalid_type"},
    {R"("response_format":"json")", "response_format", "invalid_type"},
    {R"("response_format":{})", "response_format.type", "missing_required_parameter"},
    {R"("response_format":{"type":"xml"})", "response_format.type", "invalid_value"},
    {R"("response_format":{"type":"json_schema"})", "response_format.json_schema", "missing_required_parameter"},
    {R"("response_format":{"type":"json_schema","json_schema":{"schema":{}}})", "response_format.json_schema.name",
     "missing_required_parameter"},
    {R"("response_format":{"type":"json_schema","json_schema":{"name":"a b"}})", "response_format.json_schema.name",
     "invalid_value"},
    {R"("response_format":{"type":"json_schema","json_schema":{"name":"a","schema":"{}"}})",
     "response_format.json_schema.schema", "invalid_type"},
    {R"("response_format":{"type":"json_schema","json_schema":{"name":"a","strict":"yes"}})",
     "response_format.json_schema.strict", "invalid_type"},
    {R"("top_k":1.5)", "top_k", "invalid_type"},
    {R"("top_k":-2)", "top_k", "integer_below_min_value"},
    {R"("min_p":1.5)", "min_p", "decimal_above_max_value"},
    {R"("repeat_penalty":0)", "repeat_penalty", "decimal_below_min_value"},
    {R"("repeat_last_n":-2)", "repeat_last_n", "integer_below_min_value"},
};

TEST(OpenAiRequest, SharedFieldsInvalidInChat) {
  for (const BadCase& c : kSharedBad) expect_bad(chat_err(msgs(c.extra)), c, msgs(c.extra));
}

TEST(OpenAiRequest, SharedFieldsInvalidInCompletions) {
  for (const BadCase& c : kSharedBad) expect_bad(comp_err(comp(c.extra)), c, comp(c.extra));
}

TEST(OpenAiRequest, ChatOnlyFieldsInvalid) {
  const BadCase cases[] = {
      {R"("max_completion_tokens":0)", "max_completion_tokens", "integer_below_min_value"},
      {R"("max_completion_tokens":5000)", "max_completion_tokens", "integer_above_max_value"},
      {R"("max_tokens":0)", "max_tokens", "integer_below_min_value"},
      {R"("logprobs":1)", "logprobs", "invalid_type"},
      {R"("logprobs":true,"top_logprobs":21)", "top_logprobs", "integer_above_max_value"},
      {R"("logprobs":true,"top_logprobs":-1)", "top_logprobs", "integer_below_min_value"},
      {R"("top_logprobs":3)", "top_logprobs", "invalid_value"},  // needs logprobs: true
      {R"("logprobs":false,"top_logprobs":3)", "top_logprobs", "invalid_value"},
      {R"("tools":{})", "tools", "invalid_type"},
      {R"("tools":[1])", "tools[0]", "invalid_type"},
      {R"("tools":[{"type":"function"}])", "tools[0].function", "missing_required_parameter"},
      {R"("tools":[{"type":"code","function":{"name":"f"}}])", "tools[0].type", "invalid_value"},
      {R"("tools":[{"type":"function","function":{"name":3}}])", "tools[0].function.name", "invalid_type"},
      {R"("tools":[{"type":"function","function":{"name":"f","parameters":[]}}])", "tools[0].function.parameters",
       "invalid_type"},
  };
  for (const BadCase& c : cases) expect_bad(chat_err(msgs(c.extra)), c, msgs(c.extra));
  RequestLimits l;
  l.max_tokens = 10;
  EXPECT_NE(chat_err(msgs(R"("max_tokens":11)"), l).message.find("<= 10"), std::string::npos);  // names the limit
}

// ---- messages ----

TEST(OpenAiRequest, MessagesRequiredAndNonEmpty) {
  ApiError e = chat_err(R"({"model":"m"})");
  EXPECT_EQ(e.param, "messages");
  EXPECT_EQ(e.code, "missing_required_parameter");
  e = chat_err(R"({"messages":[]})");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.param, "messages");
  EXPECT_EQ(e.code, "empty_array");
  e = chat_err(R"({"messages":"hi"})");
  EXPECT_EQ(e.param, "messages");
  EXPECT_EQ(e.code, "invalid_type");
  RequestLimits l;
  l.max_messages = 2;
  e = chat_err(R"({"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}]})", l);
  EXPECT_EQ(e.param, "messages");
}

TEST(OpenAiRequest, MessageErrorsNameThePath) {
  const BadCase cases[] = {
      {R"({"messages":[{"role":"user","content":"a"},5]})", "messages[1]", "invalid_type"},
      {R"({"messages":[{"content":"a"}]})", "messages[0].role", "missing_required_parameter"},
      {R"({"messages":[{"role":"user","content":"a"},{"role":"wizard","content":"b"}]})", "messages[1].role",
       "invalid_value"},
      {R"({"messages":[{"role":"function","content":"b"}]})", "messages[0].role", "invalid_value"},
      {R"({"messages":[{"role":5,"content":"b"}]})", "messages[0].role", "invalid_type"},
      {R"({"messages":[{"role":"user"}]})", "messages[0].content", "missing_required_parameter"},
      {R"({"messages":[{"role":"user","content":null}]})", "messages[0].content", "missing_required_parameter"},
      {R"({"messages":[{"role":"assistant","content":null}]})", "messages[0].content", "missing_required_parameter"},
      {R"({"messages":[{"role":"user","content":5}]})", "messages[0].content", "invalid_type"},
      {R"({"messages":[{"role":"user","content":[]}]})", "messages[0].content", "empty_array"},
      {R"({"messages":[{"role":"user","content":["a"]}]})", "messages[0].content[0]", "invalid_type"},
      {R"({"messages":[{"role":"user","content":[{"text":"a"}]}]})", "messages[0].content[0].type",
       "missing_required_parameter"},
      {R"({"messages":[{"role":"user","content":[{"type":"text"}]}]})", "messages[0].content[0].text",
       "missing_required_parameter"},
      {R"({"messages":[{"role":"user","content":[{"type":"text","text":1}]}]})", "messages[0].content[0].text",
       "invalid_type"},
      {R"({"messages":[{"role":"user","content":[{"type":"video","text":"a"}]}]})", "messages[0].content[0].type",
       "invalid_value"},
      {R"({"messages":[{"role":"user","content":[{"type":"refusal","refusal":"no"}]}]})",
       "messages[0].content[0].type", "invalid_value"},
      {R"({"messages":[{"role":"user","content":"a","name":5}]})", "messages[0].name", "invalid_type"},
      {R"({"messages":[{"role":"tool","content":"a","tool_call_id":5}]})", "messages[0].tool_call_id",
       "invalid_type"},
      {R"({"messages":[{"role":"assistant","content":null,"tool_calls":{}}]})", "messages[0].tool_calls",
       "invalid_type"},
      {R"({"messages":[{"role":"assistant","content":null,"tool_calls":[]}]})", "messages[0].tool_calls",
       "empty_array"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function"}]}]})",
       "messages[0].tool_calls[0].function", "missing_required_parameter"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"function":{"arguments":"{}"}}]}]})",
       "messages[0].tool_calls[0].function.name", "missing_required_parameter"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f"}}]}]})",
       "messages[0].tool_calls[0].function.arguments", "missing_required_parameter"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":5}}]}]})",
       "messages[0].tool_calls[0].function.arguments", "invalid_type"},
  };
  for (const BadCase& c : cases) expect_bad(chat_err(c.extra), c, c.extra);
}

TEST(OpenAiRequest, ImageAndAudioPartsAreNotSupported) {
  for (const char* part : {R"({"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}})",
                           R"({"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}})"}) {
    const std::string body = std::string(R"({"messages":[{"role":"user","content":[{"type":"text","text":"what?"},)") +
                             part + "]}]}";
    ApiError e = chat_err(body);
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "messages[0].content[1]");
    EXPECT_NE(e.message.find("not supported"), std::string::npos) << e.message;
  }
}

TEST(OpenAiRequest, MessagesAreNormalized) {
  ChatRequest r = chat_ok(R"({"messages":[
    {"role":"developer","content":"Be brief."},
    {"role":"system","content":[{"type":"text","text":"Line 1"},{"type":"text","text":"Line 2"}]},
    {"role":"user","content":"Weather?","name":"bob","extra":1},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"get","arguments":"{\"city\": \"Paris\", \"days\": 2}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"sunny"},
    {"role":"assistant","content":[{"type":"text","text":"It is"},{"type":"refusal","refusal":"sunny"}],
     "reasoning_content":"think"},
    {"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"not json"}}]}
  ]})");
  const Json expected = Json::parse(R"([
    {"role":"system","content":"Be brief."},
    {"role":"system","content":"Line 1\nLine 2"},
    {"role":"user","content":"Weather?","name":"bob"},
    {"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"get","arguments":{"city":"Paris","days":2}}}]},
    {"role":"tool","content":"sunny","tool_call_id":"c1"},
    {"role":"assistant","content":"It is\nsunny","reasoning_content":"think"},
    {"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"f","arguments":"not json"}}]}
  ])");
  EXPECT_EQ(r.messages.dump(), expected.dump());
}

TEST(OpenAiRequest, ToolsAreKeptInOrder) {
  ChatRequest r = chat_ok(msgs(
      R"("tools":[{"type":"function","function":{"name":"get","description":"d","parameters":{"type":"object",)"
      R"("properties":{"z":{"type":"string"},"a":{"type":"number"}}}}}])"));
  ASSERT_TRUE(r.tools.is_array());
  EXPECT_EQ(r.tools.dump(),
            R"([{"type":"function","function":{"name":"get","description":"d","parameters":{"type":"object",)"
            R"("properties":{"z":{"type":"string"},"a":{"type":"number"}}}}}])");
  EXPECT_TRUE(chat_ok(msgs(R"("tools":[])")).tools.is_null());
}

// ---- /v1/completions ----

TEST(OpenAiRequest, CompletionPromptForms) {
  CompletionRequest c = comp_ok(R"({"prompt":"Once upon"})");
  ASSERT_EQ(c.prompts.size(), 1u);
  EXPECT_EQ(std::get<std::string>(c.prompts[0]), "Once upon");

  c = comp_ok(R"({"prompt":["a","b"]})");
  ASSERT_EQ(c.prompts.size(), 2u);
  EXPECT_EQ(std::get<std::string>(c.prompts[1]), "b");

  c = comp_ok(R"({"prompt":[1,2,3]})");
  ASSERT_EQ(c.prompts.size(), 1u);
  EXPECT_EQ(std::get<std::vector<int32_t>>(c.prompts[0]), (std::vector<int32_t>{1, 2, 3}));

  c = comp_ok(R"({"prompt":[[1],[4,5]]})");
  ASSERT_EQ(c.prompts.size(), 2u);
  EXPECT_EQ(std::get<std::vector<int32_t>>(c.prompts[1]), (std::vector<int32_t>{4, 5}));

  c = comp_ok(R"({"prompt":["text",[7]]})");  // mixed forms, one per prompt
  EXPECT_EQ(std::get<std::vector<int32_t>>(c.prompts[1]), std::vector<int32_t>{7});

  c = comp_ok(R"({"prompt":""})");  // empty text parses; completion_prompt_tokens decides
  EXPECT_EQ(std::get<std::string>(c.prompts[0]), "");
}

TEST(OpenAiRequest, CompletionFields) {
  CompletionRequest c = comp_ok(comp(R"("echo":true,"logprobs":3,"max_tokens":0)"));
  EXPECT_TRUE(c.echo);
  EXPECT_EQ(c.params.top_logprobs, 3);
  EXPECT_EQ(c.params.max_tokens, 0);  // allowed here (echo + logprobs of the prompt)
  c = comp_ok(comp(R"("logprobs":0)"));
  EXPECT_EQ(c.params.top_logprobs, 0);
  c = comp_ok(comp());
  EXPECT_FALSE(c.echo);
  EXPECT_EQ(c.params.top_logprobs, -1);
  EXPECT_EQ(c.params.n, 1);
  EXPECT_FLOAT_EQ(c.params.sampling.temperature, 1.0f);
  EXPECT_TRUE(comp_ok(comp(R"("suffix":"")")).prompts.size() == 1);
}

TEST(OpenAiRequest, CompletionErrors) {
  const BadCase cases[] = {
      {R"({"model":"m"})", "prompt", "missing_required_parameter"},
      {R"({"prompt":null})", "prompt", "missing_required_parameter"},
      {R"({"prompt":5})", "prompt", "invalid_type"},
      {R"({"prompt":{}})", "prompt", "invalid_type"},
      {R"({"prompt":[]})", "prompt", "empty_array"},
      {R"({"prompt":[1,"a"]})", "prompt[1]", "invalid_type"},
      {R"({"prompt":[1,-2]})", "prompt[1]", "integer_below_min_value"},
      {R"({"prompt":[1,2.5]})", "prompt[1]", "invalid_type"},
      {R"({"prompt":[1,3000000000]})", "prompt[1]", "integer_above_max_value"},
      {R"({"prompt":["a",true]})", "prompt[1]", "invalid_type"},
      {R"({"prompt":["a",[]]})", "prompt[1]", "empty_array"},
      {R"({"prompt":[[1],[2,"x"]]})", "prompt[1][1]", "invalid_type"},
      {R"({"prompt":"a","echo":"yes"})", "echo", "invalid_type"},
      {R"({"prompt":"a","logprobs":true})", "logprobs", "invalid_type"},
      {R"({"prompt":"a","logprobs":6})", "logprobs", "integer_above_max_value"},
      {R"({"prompt":"a","logprobs":-1})", "logprobs", "integer_below_min_value"},
      {R"({"prompt":"a","suffix":"end"})", "suffix", "invalid_value"},
      {R"({"prompt":"a","suffix":1})", "suffix", "invalid_type"},
  };
  for (const BadCase& c : cases) expect_bad(comp_err(c.extra), c, c.extra);
  RequestLimits l;
  l.max_prompts = 2;
  expect_bad(comp_err(R"({"prompt":["a","b","c"]})", l), {"", "prompt", "array_above_max_length"}, "3 prompts");
  EXPECT_EQ(comp_ok(R"({"prompt":[1,2,3]})", l).prompts.size(), 1u);  // ids of one prompt are not prompts
}

// ---- the error object ----

TEST(OpenAiRequest, ErrorJsonShape) {
  ApiError e = chat_err(msgs(R"("n":0)"));
  const Json j = e.to_json();
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "n");
  EXPECT_EQ(j["error"]["code"], "integer_below_min_value");
  EXPECT_TRUE(j["error"]["message"].is_string());
  e = chat_err("{");
  EXPECT_TRUE(e.to_json()["error"]["param"].is_null());
  EXPECT_TRUE(e.to_json()["error"]["code"].is_null());
}

}  // namespace
}  // namespace primer::serve
