// `primer distill`: train a small student on a GGUF teacher (docs/distillation.md).
//
//   primer distill --teacher T.gguf RECIPE                      logit distillation (top-k cache + KL)
//   primer distill --teacher T.gguf --mode sequence --prompts P.jsonl RECIPE
//                                                                sequence-level (teacher answers -> SFT)
//
// Progress goes to stderr at info level (--log-level error to quiet it); the summary to stdout.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "primer/distill.h"

namespace primer::cli {
namespace {

struct DistillCliOptions {
  std::string recipe;
  std::string teacher;
  std::string mode = "logit";
  std::string cache;
  bool rebuild_cache = false;
  bool resume = false;
  int threads = 0;
  int64_t steps = 0;
  std::string out_dir;
  // sequence mode
  std::string prompts;
  std::string responses;
  std::string chat_template_file;
  int64_t max_tokens = 256;
  int parallel = 4;
  int64_t n_ctx = 0;
  SamplingFlags sampling;
};

void print_train_summary(const train::TrainRunReport& t) {
  std::printf("steps = %lld\ntokens = %lld\nfinal train loss = %.6f\nfinal val loss = %.6f\nseconds = %.1f\nmodel = %s\n",
              static_cast<long long>(t.steps_done), static_cast<long long>(t.tokens_seen), t.final_train_loss,
              t.final_val_loss, t.seconds, t.gguf_path.c_str());
}

Status run(const DistillCliOptions& o, Logger& logger) {
  PRIMER_ASSIGN_OR_RETURN(train::Recipe recipe, train::Recipe::load(o.recipe));
  if (o.threads > 0) recipe.threads = o.threads;
  if (o.steps > 0) recipe.steps = o.steps;
  if (!o.out_dir.empty()) recipe.out_dir = o.out_dir;
  if (o.mode == "logit") {
    if (!o.prompts.empty()) return Error{"--prompts: only used with --mode sequence"};
    train::LogitDistillOptions lo;
    lo.teacher = o.teacher;
    lo.cache_path = o.cache;
    lo.rebuild_cache = o.rebuild_cache;
    lo.resume = o.resume;
    PRIMER_ASSIGN_OR_RETURN(train::DistillReport r, train::run_logit_distillation(recipe, lo, logger));
    std::printf("teacher cache = %s (%s)\ncache bytes/token = %.2f\n", r.cache.path.c_str(),
                r.cache.reused ? "reused" : "built", r.cache.bytes_per_token);
    print_train_summary(r.train);
    return ok_status();
  }
  if (o.mode != "sequence") return make_error("--mode '%s': expected logit or sequence", o.mode.c_str());
  if (!o.cache.empty() || o.rebuild_cache) return Error{"--cache/--rebuild-cache: only used with --mode logit"};
  train::SequenceDistillOptions so;
  so.teacher = o.teacher;
  so.prompts = o.prompts;
  so.responses_path = o.responses;
  so.max_tokens = o.max_tokens;
  so.n_parallel = o.parallel;
  so.n_ctx = o.n_ctx;
  so.resume = o.resume;
  so.stops = o.sampling.stops;
  if (!o.chat_template_file.empty()) {
    PRIMER_ASSIGN_OR_RETURN(so.chat_template, read_file(o.chat_template_file, "--chat-template"));
  }
  SamplingFlags flags = o.sampling;
  // -1 (the flag's default) means the recipe's train.seed here, so a run is reproducible.
  if (flags.seed == -1) flags.seed = static_cast<int64_t>(recipe.seed);  // reproducible by default
  PRIMER_ASSIGN_OR_RETURN(so.sampling, resolve_sampling(flags, logger));
  PRIMER_ASSIGN_OR_RETURN(train::DistillReport r, train::run_sequence_distillation(recipe, so, logger));
  std::printf("teacher responses = %s (%lld)\n", r.responses_path.c_str(), static_cast<long long>(r.n_responses));
  print_train_summary(r.train);
  return ok_status();
}

}  // namespace

void register_distill(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<DistillCliOptions>();
  auto* sub = app.add_subcommand("distill", "Distill a GGUF teacher into the student a training recipe describes");
  sub->add_option("recipe", o->recipe, "Training recipe (TOML, with a [distill] section)")->required();
  sub->add_option("--teacher", o->teacher, "Teacher model (GGUF; must share the student's vocabulary)")->required();
  sub->add_option("--mode", o->mode, "logit: top-k KL to the teacher; sequence: fine-tune on the teacher's answers")
      ->capture_default_str();
  sub->add_option("--cache", o->cache, "Teacher top-k cache file (default OUT_DIR/teacher-topk.bin)");
  sub->add_flag("--rebuild-cache", o->rebuild_cache, "Run the teacher again even when the cache matches");
  sub->add_flag("--resume", o->resume, "Continue from OUT_DIR/checkpoints/latest");
  sub->add_option("-t,--threads", o->threads, "Threads (0: the recipe's train.threads)")->capture_default_str();
  sub->add_option("--steps", o->steps, "Optimizer steps (0: the recipe's train.steps)")->capture_default_str();
  sub->add_option("--out", o->out_dir, "Output folder (default: the recipe's output.dir)");
  sub->add_option("--prompts", o->prompts, "Sequence mode: JSONL prompts ({\"messages\": [...]} or {\"prompt\": ...})");
  sub->add_option("--responses", o->responses,
                  "Sequence mode: where the teacher's answers go (default OUT_DIR/teacher-responses.jsonl)");
  sub->add_option("--chat-template", o->chat_template_file, "Sequence mode: Jinja chat template overriding the teacher's");
  sub->add_option("-n,--max-tokens", o->max_tokens, "Sequence mode: tokens per answer at most")->capture_default_str();
  sub->add_option("--parallel", o->parallel, "Sequence mode: answers generated together")->capture_default_str();
  sub->add_option("--ctx", o->n_ctx, "Sequence mode: context per answer (0: min(teacher context, 4096))")
      ->capture_default_str();
  add_sampling_flags(sub, o->sampling);
  sub->callback([o, &ctx] {
    if (ctx.logger.level() == LogLevel::kWarn) ctx.logger.set_level(LogLevel::kInfo);  // progress by default
    Status s = run(*o, ctx.logger);
    if (!s.ok()) {
      std::fprintf(stderr, "primer distill: %s\n", s.error().message.c_str());
      ctx.exit_code = 1;
    }
  });
}

}  // namespace primer::cli
