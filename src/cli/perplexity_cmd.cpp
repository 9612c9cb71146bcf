// `primer perplexity`: how well a model predicts a text, as llama-perplexity measures it.
//
//   primer perplexity -m model.gguf -f wiki.test.raw [--ctx 512] [--chunks N]
//
// The whole file is tokenized (with BOS when the model adds one; special-token text not parsed)
// and cut into non-overlapping windows of --ctx tokens (the tail that does not fill a window is
// dropped). Each window is decoded from an empty cache, its first token replaced by BOS when the
// model adds one, and only its second half is scored: positions first = ctx/2 .. ctx-2 predict
// tokens first+1 .. ctx-1 (llama-perplexity's convention: every scored token sees at least ctx/2
// tokens of context). Like llama-perplexity, at least 2 * ctx tokens are required.
//
// Output (stdout): one line "[k] PPL" per chunk (the running perplexity over chunks 1..k), then
//   scored tokens = N
//   mean NLL = x        (natural log, per scored token)
//   PPL = exp(mean NLL)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/generation.h"

namespace primer::cli {
namespace {

struct PerplexityOptions {
  EngineOptions engine;
  std::string file;
  int64_t chunks = -1;
};

Status run(PerplexityOptions o) {
  const int64_t n_ctx = o.engine.n_ctx;
  if (n_ctx < 4) return make_error("--ctx %lld: must be >= 4", static_cast<long long>(n_ctx));
  PRIMER_ASSIGN_OR_RETURN(std::string text, read_file(o.file, "-f/--file"));
  PRIMER_ASSIGN_OR_RETURN(Engine engine, open_engine(o.engine));
  const Tokenizer& tok = engine.model->tokenizer();
  EncodeOptions eo;
  eo.add_special = true;
  eo.parse_special = false;
  const std::vector<int32_t> tokens = tok.encode(text, eo);
  const size_t ctx = static_cast<size_t>(n_ctx);
  if (tokens.size() < 2 * ctx) {
    return make_error("-f '%s': %zu tokens; need at least 2 * --ctx = %zu (as llama-perplexity)", o.file.c_str(),
                      tokens.size(), 2 * ctx);
  }
  size_t n_chunk = tokens.size() / ctx;
  if (o.chunks >= 0) n_chunk = std::min(n_chunk, static_cast<size_t>(o.chunks));
  if (n_chunk == 0) return Error{"--chunks 0: nothing to score"};
  const size_t first = ctx / 2;
  std::fprintf(stderr, "perplexity: %zu tokens, %zu chunks of %zu, scoring %zu tokens per chunk\n", tokens.size(),
               n_chunk, ctx, ctx - first - 1);

  const bool bos = tok.add_bos() && tok.bos().has_value();
  Sequence seq(*engine.ctx);
  std::vector<int32_t> window(ctx);
  double nll = 0;
  size_t count = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t k = 0; k < n_chunk; ++k) {
    std::copy(tokens.begin() + static_cast<ptrdiff_t>(k * ctx), tokens.begin() + static_cast<ptrdiff_t>((k + 1) * ctx),
              window.begin());
    if (bos) window[0] = *tok.bos();
    seq.clear();
    PRIMER_TRY(seq.append(
        window,
        [&](size_t i, std::span<const float> logits) {
          if (i + 1 >= ctx) return;  // the last position predicts past the window
          nll -= token_logprob(logits, window[i + 1]);
          ++count;
        },
        first));
    std::printf("[%zu] %.4f\n", k + 1, std::exp(nll / static_cast<double>(count)));
    std::fflush(stdout);
  }
  const double seconds = seconds_since(t0);
  const double mean = nll / static_cast<double>(count);
  std::printf("scored tokens = %zu\nmean NLL = %.8f\nPPL = %.6f\n", count, mean, std::exp(mean));
  std::fprintf(stderr, "perplexity: %zu chunks in %.2f s (%.1f tok/s)\n", n_chunk, seconds,
               seconds > 0 ? static_cast<double>(n_chunk * ctx) / seconds : 0.0);
  return ok_status();
}

}  // namespace

void register_perplexity(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<PerplexityOptions>();
  o->engine.n_ctx = 512;
  auto* sub = app.add_subcommand("perplexity", "Perplexity of a model over a text file (like llama-perplexity)");
  add_engine_flags(sub, o->engine);
  sub->add_option("-f,--file", o->file, "Text file to score")->required();
  sub->add_option("--chunks", o->chunks, "Score at most this many windows (-1: all)")->capture_default_str();
  sub->callback([o, &ctx] {
    Status s = run(*o);
    if (!s.ok()) {
      std::fprintf(stderr, "primer perplexity: %s\n", s.error().message.c_str());
      ctx.exit_code = 1;
    }
  });
}

}  // namespace primer::cli
