// Command-line options shared by the engine commands, declared once with their defaults and
// help text: the model/context options and the sampling options.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/generation.h"
#include "primer/sampler.h"

namespace primer::cli {

// -m, --ctx (unless !with_ctx: the command sets it), --threads, --kv-type, --batch.
void add_engine_flags(CLI::App* sub, EngineOptions& o, bool with_ctx = true);

struct SamplingFlags {
  SamplingParams params;
  int64_t seed = -1;                 // -1: a random seed (printed at info level)
  std::vector<std::string> stops;
};
// --temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n, --presence-penalty,
// --frequency-penalty, --seed, --stop.
void add_sampling_flags(CLI::App* sub, SamplingFlags& f);
// Validates the flags and fixes the seed (random when -1). Errors name the flag.
Result<SamplingParams> resolve_sampling(const SamplingFlags& f, Logger& logger);

}  // namespace primer::cli
