// Options shared by run / chat / perplexity / bench (see engine_flags.h).
#include "cli/engine_flags.h"

#include <random>

namespace primer::cli {

void add_engine_flags(CLI::App* sub, EngineOptions& o, bool with_ctx) {
  sub->add_option("-m,--model", o.model_path, "GGUF model file")->required();
  if (with_ctx) {
    sub->add_option("-c,--ctx", o.n_ctx, "Context size in tokens (0: min(training context, 4096))")
        ->capture_default_str();
  }
  sub->add_option("-t,--threads", o.threads, "Threads (0: one per core)")->capture_default_str();
  sub->add_option("--kv-type", o.kv_type, "KV cache element type: f16 or f32")->capture_default_str();
  sub->add_option("-b,--batch", o.n_batch, "Tokens per forward chunk (prompt processing)")->capture_default_str();
}

void add_sampling_flags(CLI::App* sub, SamplingFlags& f) {
  SamplingParams& p = f.params;
  sub->add_option("--temp", p.temperature, "Temperature (0: greedy)")->capture_default_str();
  sub->add_option("--top-k", p.top_k, "Keep the k most likely tokens (0: off)")->capture_default_str();
  sub->add_option("--top-p", p.top_p, "Nucleus sampling threshold (1: off)")->capture_default_str();
  sub->add_option("--min-p", p.min_p, "Drop tokens below min-p times the top probability (0: off)")
      ->capture_default_str();
  sub->add_option("--repeat-penalty", p.repeat_penalty, "Repetition penalty, llama.cpp style (1: off)")
      ->capture_default_str();
  sub->add_option("--repeat-last-n", p.repeat_last_n, "Tokens the penalties look back (-1: all, 0: off)")
      ->capture_default_str();
  sub->add_option("--presence-penalty", p.presence_penalty, "OpenAI presence penalty (0: off)")
      ->capture_default_str();
  sub->add_option("--frequency-penalty", p.frequency_penalty, "OpenAI frequency penalty (0: off)")
      ->capture_default_str();
  sub->add_option("-s,--seed", f.seed, "Sampling seed (-1: random)")->capture_default_str();
  sub->add_option("--stop", f.stops, "Stop string (repeatable); never printed");
}

Result<SamplingParams> resolve_sampling(const SamplingFlags& f, Logger& logger) {
  SamplingParams p = f.params;
  if (f.seed < -1) return make_error("--seed %lld: must be >= 0 (or -1: random)", static_cast<long long>(f.seed));
  if (f.seed == -1) {
    std::random_device rd;
    p.seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    logger.log(LogLevel::kInfo, "sampling seed: %llu", static_cast<unsigned long long>(p.seed));
  } else {
    p.seed = static_cast<uint64_t>(f.seed);
  }
  PRIMER_TRY(p.validate());
  return p;
}

}  // namespace primer::cli
