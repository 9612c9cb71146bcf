// `primer run`: generate text from a prompt, streaming it to stdout.
//
//   primer run -m model.gguf -p "Once upon a time" [-n 128] [--temp 0.8] [--seed 1] [--stop STR]...
//   primer run -m model.gguf -f prompt.txt -n 0 --dump-logits logits.f32
//
// The prompt is tokenized with the model's own BOS default (--no-bos: none) and special-token
// text in it is NOT parsed (--parse-special: parse it); --chat instead wraps it as one user turn
// in the model's chat template (special tokens of the template parsed). Stops at an end-of-
// generation token, a stop string or -n tokens (-1: no limit). Text goes to stdout, speeds to
// stderr. --dump-logits writes the logits of every prompt position as little-endian float32,
// row-major [n_prompt_tokens][n_vocab].
#include <bit>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/generation.h"

namespace primer::cli {
namespace {

struct RunOptions {
  EngineOptions engine;
  SamplingFlags sampling;
  std::string prompt;
  std::string prompt_file;
  int64_t n_predict = 128;
  bool no_bos = false;
  bool parse_special = false;
  bool chat = false;
  std::string dump_logits;
};

Result<std::vector<int32_t>> prompt_tokens(const RunOptions& o, const Tokenizer& tok, const std::string& text) {
  if (!o.chat) {
    EncodeOptions eo;
    eo.add_special = !o.no_bos;
    eo.parse_special = o.parse_special;
    return tok.encode(text, eo);
  }
  if (tok.chat_template().empty()) {
    return Error{"--chat: the model has no chat template (tokenizer.chat_template)"};
  }
  PRIMER_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::parse(tok.chat_template()));
  ChatRenderOptions ro;
  ro.add_generation_prompt = true;
  if (tok.bos()) ro.bos_token = tok.bos_text();
  if (tok.eos()) ro.eos_token = tok.eos_text();
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  messages.push_back({{"role", "user"}, {"content", text}});
  PRIMER_ASSIGN_OR_RETURN(std::string rendered, render_chat(tmpl, messages, ro));
  return tokenize_chat_prompt(tok, rendered);
}

Status run(const RunOptions& o, Logger& logger) {
  if (o.prompt.empty() == o.prompt_file.empty()) return Error{"give exactly one of -p/--prompt or -f/--file"};
  if (o.n_predict < -1) return make_error("-n %lld: must be >= -1", static_cast<long long>(o.n_predict));
  PRIMER_ASSIGN_OR_RETURN(SamplingParams params, resolve_sampling(o.sampling, logger));
  std::string text;
  if (!o.prompt_file.empty()) {
    PRIMER_ASSIGN_OR_RETURN(text, read_file(o.prompt_file, "-f/--file"));
  } else {
    text = read_text_arg(o.prompt);
  }
  PRIMER_ASSIGN_OR_RETURN(Engine engine, open_engine(o.engine));
  const Tokenizer& tok = engine.model->tokenizer();
  PRIMER_ASSIGN_OR_RETURN(std::vector<int32_t> tokens, prompt_tokens(o, tok, text));
  if (tokens.empty()) return Error{"the prompt is empty after tokenization (and the model adds no BOS)"};
  if (static_cast<int64_t>(tokens.size()) > engine.ctx->n_ctx()) {
    return make_error("the prompt has %zu tokens but the context holds %lld (raise --ctx)", tokens.size(),
                      static_cast<long long>(engine.ctx->n_ctx()));
  }
  logger.log(LogLevel::kInfo, "model %s: %s; prompt %zu tokens; sampler: %s", o.engine.model_path.c_str(),
             engine.model->config().arch.c_str(), tokens.size(), Sampler::from_params(params)->describe().c_str());

  Sequence seq(*engine.ctx);
  const size_t n_vocab = static_cast<size_t>(engine.model->config().n_vocab);
  const auto t0 = std::chrono::steady_clock::now();
  if (!o.dump_logits.empty()) {
    std::ofstream dump(o.dump_logits, std::ios::binary | std::ios::trunc);
    if (!dump) return Error{"--dump-logits '" + o.dump_logits + "': cannot create file"};
    static_assert(std::endian::native == std::endian::little, "dump format is little-endian float32");
    PRIMER_TRY(seq.append(tokens, [&](size_t, std::span<const float> row) {
      dump.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(n_vocab * sizeof(float)));
    }));
    dump.close();
    if (!dump) return Error{"--dump-logits '" + o.dump_logits + "': write error"};
  } else {
    PRIMER_TRY(seq.append(tokens));
  }
  const double prompt_s = seconds_since(t0);

  GenerateResult result;
  if (o.n_predict != 0) {
    auto sampler = Sampler::from_params(params);
    GenerateOptions go;
    go.n_predict = o.n_predict;
    go.stops = o.sampling.stops;
    go.eos_ids = tok.eos_ids();
    PRIMER_ASSIGN_OR_RETURN(result, generate(seq, *sampler, tok, go, [](std::string_view s) {
      std::fwrite(s.data(), 1, s.size(), stdout);
      std::fflush(stdout);
    }));
  }
  std::fflush(stdout);
  if (!result.text.empty() && result.text.back() != '\n') std::fputc('\n', stderr);
  std::fprintf(stderr, "prompt: %zu tokens in %.3f s (%.2f tok/s)\n", tokens.size(), prompt_s,
               prompt_s > 0 ? static_cast<double>(tokens.size()) / prompt_s : 0.0);
  if (o.n_predict != 0) {
    std::fprintf(stderr, "generated: %zu tokens in %.3f s (%.2f tok/s), stopped by %s\n", result.tokens.size(),
                 result.seconds, result.seconds > 0 ? static_cast<double>(result.tokens.size()) / result.seconds : 0.0,
                 stop_reason_name(result.reason));
  }
  return ok_status();
}

}  // namespace

void register_run(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Generate text from a prompt with a GGUF model");
  add_engine_flags(sub, o->engine);
  add_sampling_flags(sub, o->sampling);
  sub->add_option("-p,--prompt", o->prompt, "Prompt text ('-' reads stdin)");
  sub->add_option("-f,--file", o->prompt_file, "Read the prompt from a file");
  sub->add_option("-n,--n-predict", o->n_predict, "Tokens to generate (-1: until EOS or a full context; 0: prompt only)")
      ->capture_default_str();
  sub->add_flag("--no-bos", o->no_bos, "Do not add the model's BOS token");
  sub->add_flag("--parse-special", o->parse_special, "Match special-token text in the prompt (<|im_start|>) as tokens");
  sub->add_flag("--chat", o->chat, "Wrap the prompt as one user turn in the model's chat template");
  sub->add_option("--dump-logits", o->dump_logits,
                  "Write the logits of every prompt position: float32 LE, [n_prompt_tokens][n_vocab]");
  sub->callback([o, &ctx] {
    Status s = run(*o, ctx.logger);
    if (!s.ok()) {
      std::fprintf(stderr, "primer run: %s\n", s.error().message.c_str());
      ctx.exit_code = 1;
    }
  });
}

}  // namespace primer::cli
