// POST /v1/chat/completions and /v1/completions: validate, tokenize, submit one Scheduler
// request per choice, then answer with one JSON body or an SSE stream.
//
// The HTTP status is decided before any byte is sent: the handler waits for the first event of
// the request, so a refusal (429), an invalid request (400) or a failure before the first token
// (500) is a real status, never an error inside a 200 stream. While waiting for the rest, the
// connection is probed (an SSE comment, or JSON-neutral whitespace before a non-streamed body):
// when a write fails the client has gone, and its slots are cancelled at once.
#include <chrono>
#include <random>
#include <thread>

#include "serve/channel.h"
#include "serve/responses.h"
#include "serve/server_impl.h"

namespace primer {

using serve::ApiError;
using serve::ChoiceResult;
using serve::Json;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr int kProbeEvery = 10;  // polls of silence between SSE keep-alive probes (~1 s)
constexpr auto kBodyProbe = std::chrono::milliseconds(100);  // whitespace probes of a JSON body

// One request's state, shared by the handler, the content provider and the releaser.
struct Job {
  std::shared_ptr<serve::Channel> channel;
  Scheduler* scheduler = nullptr;
  std::vector<uint64_t> ids;
  serve::ResponseMeta meta;
  serve::GenerationParams params;
  int n_per_prompt = 1;
  std::vector<ChoiceResult> choices;
  std::vector<serve::ChoiceEvent> pending;  // received, not yet written
  std::vector<bool> role_sent;
  std::vector<std::string> echo;            // completions echo: prompt text per prompt
  std::shared_ptr<const TokenTexts> texts;
  std::vector<size_t> text_offset;          // completions logprobs text offsets per choice
  bool failed = false;
  std::string failure;

  void cancel_all() {
    for (uint64_t id : ids) scheduler->cancel(id);
  }
  // Folds events into the choices; returns false on a generation error.
  void absorb(const serve::ChoiceEvent& ce) {
    ChoiceResult& c = choices[static_cast<size_t>(ce.choice)];
    const GenerationEvent& e = ce.event;
    if (e.kind == GenerationEvent::Kind::kDelta) {
      c.text += e.text;
      c.logprobs.insert(c.logprobs.end(), e.logprobs.begin(), e.logprobs.end());
      return;
    }
    c.done = true;
    c.finish = e.finish;
    c.prompt_tokens = e.prompt_tokens;
    c.cached_tokens = e.cached_tokens;
    c.completion_tokens = e.completion_tokens;
    if (e.finish == FinishReason::kError || e.finish == FinishReason::kCancelled) {
      failed = true;
      if (failure.empty()) failure = e.finish == FinishReason::kError ? e.error : "the request was cancelled";
    }
  }
  bool all_done() const {
    for (const ChoiceResult& c : choices) {
      if (!c.done) return false;
    }
    return true;
  }
};

}  // namespace

void ServerImpl::handle_generation(const httplib::Request& req, httplib::Response& res, bool chat) {
  if (!ready.load()) {
    reply_error(res, serve::api_error(503, "server_error", "The model is still loading; retry shortly.", "model_loading"));
    return;
  }
  const Tokenizer& tok = model->tokenizer();

  // 1. Parse and tokenize.
  serve::GenerationParams params;
  std::vector<std::vector<int32_t>> prompts;
  std::vector<std::string> echo_text;
  if (chat) {
    auto parsed = serve::parse_chat_request(req.body, limits);
    if (auto* e = std::get_if<ApiError>(&parsed)) return reply_error(res, *e);
    const serve::ChatRequest& r = std::get<serve::ChatRequest>(parsed);
    params = r.params;
    if (!chat_template) return reply_error(res, serve::invalid_request("messages", template_error));
    auto tokens = serve::chat_prompt_tokens(*chat_template, tok, r);
    if (auto* e = std::get_if<ApiError>(&tokens)) return reply_error(res, *e);
    prompts.push_back(std::move(std::get<std::vector<int32_t>>(tokens)));
  } else {
    auto parsed = serve::parse_completion_request(req.body, limits);
    if (auto* e = std::get_if<ApiError>(&parsed)) return reply_error(res, *e);
    const serve::CompletionRequest& r = std::get<serve::CompletionRequest>(parsed);
    params = r.params;
    for (size_t i = 0; i < r.prompts.size(); ++i) {
      auto tokens = serve::completion_prompt_tokens(tok, r.prompts[i], i);
      if (auto* e = std::get_if<ApiError>(&tokens)) return reply_error(res, *e);
      if (r.echo) {
        const auto* s = std::get_if<std::string>(&r.prompts[i]);
        echo_text.push_back(s != nullptr ? *s : tok.decode(std::get<std::vector<int32_t>>(r.prompts[i])));
      }
      prompts.push_back(std::move(std::get<std::vector<int32_t>>(tokens)));
    }
  }
  if (auto e = serve::check_against_vocab(params, tok)) return reply_error(res, *e);
  if (!params.model.empty() && params.model != options.model_id) {
    return reply_error(res, serve::api_error(404, "invalid_request_error",
                                         "The model '" + params.model + "' does not exist (this server serves '" +
                                             options.model_id + "')",
                                         "model_not_found"));
  }

  // 2. The constraint, if any.
  std::shared_ptr<const Grammar> grammar;
  if (params.response_format.kind == serve::ResponseFormat::Kind::kJsonObject) {
    grammar = Grammar::json_object();
  } else if (params.response_format.kind == serve::ResponseFormat::Kind::kJsonSchema) {
    auto g = Grammar::from_json_schema(params.response_format.schema);
    if (!g.ok()) {
      return reply_error(res, serve::invalid_request("response_format.json_schema.schema", g.error().message));
    }
    grammar = std::move(g).value();
  }

  // max_tokens 0 (completions only: echo the prompt, generate nothing) needs no model step.
  if (params.max_tokens == 0) {
    serve::ResponseMeta meta{make_id("cmpl"),
                             std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count(),
                             options.model_id, chat};
    std::vector<ChoiceResult> choices;
    for (size_t p = 0; p < prompts.size(); ++p) {
      for (int k = 0; k < params.n; ++k) {
        ChoiceResult c;
        c.text = echo_text.empty() ? "" : echo_text[p];
        c.done = true;
        c.finish = FinishReason::kLength;
        c.prompt_tokens = static_cast<int64_t>(prompts[p].size());
        choices.push_back(std::move(c));
      }
    }
    const Json body = serve::full_response(meta, choices, params.n, params.top_logprobs >= 0, *texts);
    if (!params.stream) {
      res.set_content(serve::dump(body), "application/json");
      return;
    }
    std::string out;
    for (size_t i = 0; i < choices.size(); ++i) {
      out += serve::sse(serve::chunk(meta, static_cast<int>(i), nullptr, choices[i].text, nullptr, "length",
                                     params.include_usage));
    }
    if (params.include_usage) out += serve::sse(serve::usage_chunk(meta, serve::total_usage(choices, params.n)));
    out += "data: [DONE]\n\n";
    res.set_header("Cache-Control", "no-cache");
    res.set_content(out, "text/event-stream");
    return;
  }

  // 3. Submit one request per (prompt, choice).
  auto job = std::make_shared<Job>();
  job->scheduler = scheduler;
  job->texts = texts;
  job->params = params;
  job->n_per_prompt = params.n;
  job->echo = std::move(echo_text);
  job->meta = {make_id(chat ? "chatcmpl" : "cmpl"),
               std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count(),
               options.model_id, chat};
  const int n_choices = static_cast<int>(prompts.size()) * params.n;
  job->channel = std::make_shared<serve::Channel>();
  job->choices.resize(static_cast<size_t>(n_choices));
  job->role_sent.assign(static_cast<size_t>(n_choices), false);
  job->text_offset.assign(static_cast<size_t>(n_choices), 0);
  uint64_t base_seed = params.sampling.seed;
  if (!params.has_seed) {
    std::random_device rd;
    base_seed = rd() | static_cast<uint64_t>(rd()) << 32;
  }
  for (int i = 0; i < n_choices; ++i) {
    GenerationRequest g;
    g.prompt = prompts[static_cast<size_t>(i / params.n)];
    g.sampling = params.sampling;
    g.sampling.seed = base_seed + static_cast<uint64_t>(i % params.n);
    g.max_tokens = params.max_tokens >= 0 ? params.max_tokens
                                          : (options.max_tokens > 0 ? options.max_tokens : -1);
    g.stop = params.stop;
    g.top_logprobs = params.top_logprobs;
    g.grammar = grammar;
    Scheduler::Submitted sub = scheduler->submit(std::move(g), job->channel->sink(i, job->channel));
    if (!sub.ok()) {
      job->cancel_all();
      const Scheduler::Refusal& r = *sub.refusal;
      if (r.kind == Scheduler::SubmitError::kOverloaded) {
        return reply_error(res, serve::api_error(429, "rate_limit_error",
                                             "The server is busy (" + r.message + "); retry after " +
                                                 std::to_string(options.retry_after_s) + " s.",
                                             "server_overloaded"));
      }
      if (r.kind == Scheduler::SubmitError::kTooLong) {
        return reply_error(res, serve::invalid_request(chat ? "messages" : "prompt", r.message,
                                                       "context_length_exceeded"));
      }
      return reply_error(res, serve::invalid_request("", r.message));
    }
    job->ids.push_back(sub.id);
  }

  // 4. Wait for the first event: until then the status can still change.
  while (job->pending.empty()) {
    if (!job->channel->wait(job->pending, kPoll) && !ready.load()) break;
  }
  for (const auto& ce : job->pending) {
    if (ce.event.kind == GenerationEvent::Kind::kDone &&
        (ce.event.finish == FinishReason::kError || ce.event.finish == FinishReason::kCancelled)) {
      job->cancel_all();
      const bool cancelled = ce.event.finish == FinishReason::kCancelled;
      return reply_error(res, serve::api_error(cancelled ? 503 : 500, "server_error",
                                           cancelled ? "The server is shutting down." : ce.event.error));
    }
  }

  if (params.stream) {
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [job, silent = 0](size_t, httplib::DataSink& sink) mutable -> bool {
          std::string out;
          if (job->pending.empty() && !job->channel->wait(job->pending, kPoll)) {
            if (++silent < kProbeEvery) return true;
            silent = 0;
            out = ": keep-alive\n\n";  // an SSE comment: clients ignore it; a failed write means gone
            if (!sink.write(out.data(), out.size())) {
              job->cancel_all();
              return false;
            }
            return true;
          }
          silent = 0;
          const bool logprobs = job->params.top_logprobs >= 0;
          for (const serve::ChoiceEvent& ce : job->pending) {
            const size_t i = static_cast<size_t>(ce.choice);
            const GenerationEvent& e = ce.event;
            job->absorb(ce);
            if (job->failed) {
              // A failure after the stream began: end the connection without [DONE] so the
              // client sees an incomplete stream rather than a clean finish.
              job->cancel_all();
              return false;
            }
            static const std::string kRole = "assistant";
            const std::string* role = nullptr;
            std::string text = e.kind == GenerationEvent::Kind::kDelta ? e.text : "";
            if (!job->role_sent[i]) {
              job->role_sent[i] = true;
              if (job->meta.chat) role = &kRole;
              if (!job->meta.chat && !job->echo.empty()) text = job->echo[i / static_cast<size_t>(job->n_per_prompt)] + text;
            }
            if (e.kind == GenerationEvent::Kind::kDelta) {
              if (text.empty() && e.logprobs.empty() && role == nullptr) continue;
              Json lp = nullptr;
              if (logprobs) {
                lp = job->meta.chat ? serve::chat_logprobs_json(e.logprobs, *job->texts)
                                    : serve::completion_logprobs_json(e.logprobs, *job->texts, job->text_offset[i]);
                for (const TokenLogprob& t : e.logprobs) job->text_offset[i] += t.text.size();
              }
              out += serve::sse(serve::chunk(job->meta, ce.choice, role, text, lp, nullptr, job->params.include_usage));
            } else {
              if (role != nullptr || !text.empty()) {
                out += serve::sse(serve::chunk(job->meta, ce.choice, role, text, nullptr, nullptr,
                                               job->params.include_usage));
              }
              out += serve::sse(serve::chunk(job->meta, ce.choice, nullptr, "", nullptr,
                                             serve::finish_name(e.finish), job->params.include_usage));
            }
          }
          job->pending.clear();
          const bool done = job->all_done();
          if (done) {
            if (job->params.include_usage) {
              out += serve::sse(serve::usage_chunk(job->meta, serve::total_usage(job->choices, job->n_per_prompt)));
            }
            out += "data: [DONE]\n\n";
          }
          if (!out.empty() && !sink.write(out.data(), out.size())) {
            job->cancel_all();
            return false;
          }
          if (done) sink.done();
          return true;
        },
        [job](bool success) {
          if (!success) job->cancel_all();
        });
    return;
  }

  // Non-streamed: collect everything, probing the connection with whitespace while waiting.
  // The charset keeps httplib from gzip/brotli-compressing this body (it compresses exactly
  // "application/json" when the client accepts it, and a compressor holds the probes back).
  res.set_chunked_content_provider(
      "application/json; charset=utf-8",
      [job, last_probe = std::chrono::steady_clock::now()](size_t, httplib::DataSink& sink) mutable -> bool {
        for (const auto& ce : job->pending) job->absorb(ce);
        job->pending.clear();
        if (job->failed) {
          job->cancel_all();
          return false;
        }
        if (!job->all_done()) {
          job->channel->wait(job->pending, kPoll);
          // Events arrive all the time while generating, so probe by the clock, not by silence.
          if (std::chrono::steady_clock::now() - last_probe >= kBodyProbe) {
            last_probe = std::chrono::steady_clock::now();
            if (!sink.write(" ", 1)) {  // JSON allows leading whitespace
              job->cancel_all();
              return false;
            }
          }
          return true;
        }
        if (!job->echo.empty()) {
          for (size_t i = 0; i < job->choices.size(); ++i) {
            job->choices[i].text = job->echo[i / static_cast<size_t>(job->n_per_prompt)] + job->choices[i].text;
          }
        }
        const std::string body = serve::dump(serve::full_response(job->meta, job->choices, job->n_per_prompt,
                                                                  job->params.top_logprobs >= 0, *job->texts));
        if (!sink.write(body.data(), body.size())) return false;
        sink.done();
        return true;
      },
      [job](bool success) {
        if (!success) job->cancel_all();
      });
}

}  // namespace primer
