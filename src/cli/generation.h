// Generation plumbing shared by `primer run`, `primer chat`, `primer perplexity` and
// `primer bench`: opening a model with its thread pool and context, feeding tokens to one
// sequence of the KV cache in n_batch chunks, the sample -> stream -> stop loop, and the chat
// session that reuses the cache between turns.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "primer/chat_template.h"
#include "primer/engine.h"
#include "primer/error.h"
#include "primer/log.h"
#include "primer/model.h"
#include "primer/sampler.h"
#include "primer/thread_pool.h"

namespace primer::cli {

struct EngineOptions {
  std::string model_path;
  int threads = 0;             // 0: one per core
  int64_t n_ctx = 0;           // 0: the context's default (min(n_ctx_train, 4096))
  int64_t n_batch = 256;
  std::string kv_type = "f16"; // f16 | f32
};

// A model, the pool its context runs on, and the context (destroyed in reverse order).
struct Engine {
  std::unique_ptr<Model> model;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Context> ctx;
};

// Errors: missing/invalid model file, bad kv type, bad context size (messages name the field).
Result<Engine> open_engine(const EngineOptions& options);

// One sequence of a Context and a mirror of the tokens in its cache. Feeds tokens in chunks of
// the context's n_batch; keeps a copy of the newest logits row for sampling.
class Sequence {
 public:
  Sequence(Context& ctx, int seq = 0);

  using RowFn = std::function<void(size_t i, std::span<const float> logits)>;
  // Decodes `tokens` after the cached ones, in chunks of n_batch. Logits are computed for the
  // last token (kept in last_logits()) and, when on_row is given, for every token i >= rows_from,
  // passed to on_row(i, logits) in order (valid during the call only). Errors when the tokens do
  // not fit in the context (nothing is decoded then) or decode fails.
  Status append(std::span<const int32_t> tokens, const RowFn& on_row = {}, size_t rows_from = 0);
  // Keeps the first n_keep cached tokens.
  void truncate(size_t n_keep);
  void clear() { truncate(0); }

  const std::vector<int32_t>& tokens() const { return tokens_; }
  size_t size() const { return tokens_.size(); }
  int64_t capacity() const { return ctx_.n_ctx(); }
  // Logits after the newest decoded token (n_vocab floats); empty before any decode.
  std::span<const float> last_logits() const { return last_logits_; }
  Context& context() { return ctx_; }

 private:
  Context& ctx_;
  int seq_;
  std::vector<int32_t> tokens_;
  std::vector<float> last_logits_;
  Batch batch_;
};

enum class StopReason { kEos, kStopString, kLength, kContextFull };
const char* stop_reason_name(StopReason r);

struct GenerateOptions {
  int64_t n_predict = 128;             // < 0: until EOS, a stop string or a full context
  std::vector<std::string> stops;
  std::vector<int32_t> eos_ids;        // end-of-generation tokens (the tokenizer's eos_ids())
};

struct GenerateResult {
  std::vector<int32_t> tokens;         // sampled tokens kept (EOS excluded)
  std::string text;                    // emitted text (stop string excluded)
  StopReason reason = StopReason::kLength;
  double seconds = 0;                  // wall time of the loop (sampling + decoding)
};

// Samples from seq.last_logits(), streams text through `on_text` as it becomes final (UTF-8
// never split, stop strings never emitted), and decodes each kept token into the sequence —
// except the last one, which is sampled but not decoded (its logits are not needed).
// Requires seq.last_logits() to be non-empty.
Result<GenerateResult> generate(Sequence& seq, Sampler& sampler, const Tokenizer& tok,
                                const GenerateOptions& options,
                                const std::function<void(std::string_view)>& on_text);

// Tokenizes a prompt rendered by a chat template: special tokens parsed, BOS prepended when the
// model adds one and the rendered text does not already start with it.
std::vector<int32_t> tokenize_chat_prompt(const Tokenizer& tok, std::string_view rendered);

// A multi-turn conversation on one sequence whose KV cache is reused between turns: each turn
// renders the whole conversation with the chat template, tokenizes it, keeps the longest common
// prefix with the tokens already in the cache and decodes only the rest.
class ChatSession {
 public:
  ChatSession(Sequence& seq, ChatTemplate tmpl, const Tokenizer& tok, std::string system_prompt,
              Logger& logger);

  struct Prepared {
    size_t n_prompt = 0;   // tokens of the rendered conversation
    size_t n_reused = 0;   // of them, already in the cache
  };
  // Appends a user message and brings the cache up to the rendered conversation (with the
  // assistant prompt open); seq.last_logits() then holds the next-token logits.
  Result<Prepared> add_user(std::string text);
  // Records the assistant's answer (its generated tokens stay in the cache).
  void add_assistant(std::string text);
  // Forgets the conversation (the system prompt stays) and the cache.
  void reset();

  const nlohmann::ordered_json& messages() const { return messages_; }
  // The rendered conversation so far, with the assistant prompt open.
  Result<std::string> render() const;

 private:
  Sequence& seq_;
  ChatTemplate tmpl_;
  const Tokenizer& tok_;
  std::string system_;
  Logger& logger_;
  nlohmann::ordered_json messages_;
};

// Seconds since `t0`.
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Reads a whole file. Errors name the option and the path.
Result<std::string> read_file(const std::string& path, const char* what);

}  // namespace primer::cli
