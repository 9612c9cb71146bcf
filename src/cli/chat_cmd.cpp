// `primer chat`: an interactive multi-turn chat with a model's own chat template.
//
//   primer chat -m model.gguf [--system "You are terse."] [--template chat.jinja] [sampling flags]
//
// Reads one user message per line from stdin; `/reset` forgets the conversation, `/exit` or EOF
// ends. Each answer streams to stdout followed by a newline. The KV cache keeps the conversation:
// each turn decodes only the tokens after the longest prefix it shares with the cache
// (`--log-level debug` shows how many were reused).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/generation.h"

namespace primer::cli {
namespace {

struct ChatOptions {
  EngineOptions engine;
  SamplingFlags sampling;
  std::string system;
  std::string template_file;
  int64_t n_predict = -1;
};

Status run(const ChatOptions& o, Logger& logger) {
  if (o.n_predict < -1) return make_error("-n %lld: must be >= -1", static_cast<long long>(o.n_predict));
  PRIMER_ASSIGN_OR_RETURN(SamplingParams params, resolve_sampling(o.sampling, logger));
  std::string source;
  if (!o.template_file.empty()) {
    PRIMER_ASSIGN_OR_RETURN(source, read_file(o.template_file, "--template"));
  }
  PRIMER_ASSIGN_OR_RETURN(Engine engine, open_engine(o.engine));
  const Tokenizer& tok = engine.model->tokenizer();
  if (source.empty()) {
    source = tok.chat_template();
    if (source.empty()) {
      return Error{"model '" + o.engine.model_path +
                   "' has no chat template (tokenizer.chat_template); pass one with --template FILE"};
    }
  }
  PRIMER_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::parse(source));
  Sequence seq(*engine.ctx);
  ChatSession session(seq, std::move(tmpl), tok, o.system, logger);
  auto sampler = Sampler::from_params(params);
  GenerateOptions go;
  go.n_predict = o.n_predict;
  go.stops = o.sampling.stops;
  go.eos_ids = tok.eos_ids();

  const bool interactive = isatty(STDIN_FILENO) != 0;
  int n_failed = 0;
  std::string line;
  while (true) {
    if (interactive) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "/exit") break;
    if (line == "/reset") {
      session.reset();
      sampler->reset();
      if (interactive) std::fputs("(conversation cleared)\n", stderr);
      continue;
    }
    if (line.empty()) continue;
    const auto t0 = std::chrono::steady_clock::now();
    auto prepared = session.add_user(line);
    if (!prepared.ok()) {
      std::fprintf(stderr, "primer chat: %s\n", prepared.error().message.c_str());
      ++n_failed;
      continue;
    }
    const double prompt_s = seconds_since(t0);
    auto result = generate(seq, *sampler, tok, go, [](std::string_view s) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    });
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!result.ok()) {
      // The cache may hold part of the answer; the next turn re-syncs it by prefix.
      std::fprintf(stderr, "primer chat: %s\n", result.error().message.c_str());
      ++n_failed;
      session.add_assistant("");
      continue;
    }
    session.add_assistant(result->text);
    logger.log(LogLevel::kInfo,
               "turn: prompt %zu tokens (%zu reused, %.2f s), answer %zu tokens (%.2f tok/s), stopped by %s",
               prepared->n_prompt, prepared->n_reused, prompt_s, result->tokens.size(),
               result->seconds > 0 ? static_cast<double>(result->tokens.size()) / result->seconds : 0.0,
               stop_reason_name(result->reason));
  }
  if (n_failed > 0) return make_error("%d turn(s) failed (see above)", n_failed);
  return ok_status();
}

}  // namespace

void register_chat(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<ChatOptions>();
  auto* sub = app.add_subcommand("chat", "Interactive chat with a GGUF model (one message per stdin line)");
  add_engine_flags(sub, o->engine);
  add_sampling_flags(sub, o->sampling);
  sub->add_option("--system", o->system, "System message");
  sub->add_option("--template", o->template_file, "Jinja chat template file (default: the model's own)");
  sub->add_option("-n,--n-predict", o->n_predict, "Most tokens per answer (-1: until EOS or a full context)")
      ->capture_default_str();
  sub->callback([o, &ctx] {
    Status s = run(*o, ctx.logger);
    if (!s.ok()) {
      std::fprintf(stderr, "primer chat: %s\n", s.error().message.c_str());
      ctx.exit_code = 1;
    }
  });
}

}  // namespace primer::cli
