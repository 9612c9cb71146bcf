// `primer train`: train a model from a recipe (docs/training.md), or export a checkpoint.
//
//   primer train RECIPE [--resume] [-t N] [--steps N] [--out DIR]
//   primer train export CHECKPOINT --out M.gguf [--type F32|F16|BF16] [--tokenizer T] [--name N]
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "primer/train_loop.h"

namespace primer::cli {
namespace {

struct TrainCmd {
  std::string recipe;
  bool resume = false;
  int threads = -1;
  int64_t steps = 0;
  std::string out_dir;
};

struct ExportCmd {
  std::string checkpoint;
  std::string out;
  std::string type = "F32";
  std::string tokenizer;
  std::string name;
};

int run_train(const TrainCmd& c, Logger& logger) {
  auto recipe = train::Recipe::load(c.recipe);
  if (!recipe.ok()) {
    std::fprintf(stderr, "primer train: %s\n", recipe.error().message.c_str());
    return 2;
  }
  train::Recipe& r = *recipe;
  if (c.threads >= 0) r.threads = c.threads;
  if (c.steps > 0) r.steps = c.steps;
  if (!c.out_dir.empty()) r.out_dir = c.out_dir;
  if (r.loss.distill_weight > 0) {
    std::fprintf(stderr, "primer train: note: the recipe's [distill] section is ignored (plain cross-entropy); "
                         "use primer distill --teacher T.gguf to distill\n");
  }
  train::TrainRunOptions o;
  o.resume = c.resume;
  auto rep = train::run_training(r, o, logger);
  if (!rep.ok()) {
    std::fprintf(stderr, "primer train: %s\n", rep.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "primer train: %lld steps, %lld tokens, train loss %.4f", static_cast<long long>(rep->steps_done),
               static_cast<long long>(rep->tokens_seen), rep->final_train_loss);
  if (std::isfinite(rep->final_val_loss)) std::fprintf(stderr, ", val loss %.4f", rep->final_val_loss);
  std::fprintf(stderr, "; %s\n", rep->gguf_path.empty() ? "no GGUF (no data.tokenizer)" : rep->gguf_path.c_str());
  return 0;
}

int run_export(const ExportCmd& c) {
  auto type = parse_file_type(c.type);
  if (!type.ok() || (*type != FileType::kF32 && *type != FileType::kF16 && *type != FileType::kBF16)) {
    std::fprintf(stderr, "primer train export: --type must be F32, F16 or BF16 (got '%s'); quantize further with "
                         "primer quantize\n", c.type.c_str());
    return 2;
  }
  train::ExportOptions e;
  e.type = *type;
  e.tokenizer = c.tokenizer;
  e.name = c.name;
  Status s = train::export_checkpoint(c.checkpoint, c.out, e);
  if (!s.ok()) {
    std::fprintf(stderr, "primer train export: %s\n", s.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "primer train export: wrote %s (%s)\n", c.out.c_str(), file_type_name(e.type));
  return 0;
}

}  // namespace

void register_train(CLI::App& app, CliContext& ctx) {
  auto c = std::make_shared<TrainCmd>();
  auto* sub = app.add_subcommand("train", "Train a model from a recipe file (TOML; see docs/training.md)");
  sub->add_option("recipe", c->recipe, "Recipe file (.toml)");
  sub->add_flag("--resume", c->resume, "Continue from OUT/checkpoints/latest (bit-exact)");
  sub->add_option("-t,--threads", c->threads, "Threads (default: the recipe's train.threads; 0: all cores)");
  sub->add_option("--steps", c->steps, "Override train.steps (e.g. to extend a finished run with --resume)");
  sub->add_option("--out", c->out_dir, "Override output.dir");

  auto e = std::make_shared<ExportCmd>();
  auto* exp = sub->add_subcommand("export", "Export a training checkpoint (.ckpt) to GGUF");
  exp->add_option("checkpoint", e->checkpoint, "Checkpoint file (OUT/checkpoints/step-N.ckpt)")->required();
  exp->add_option("--out", e->out, "Output GGUF file")->required();
  exp->add_option("--type", e->type, "Matrix type: F32, F16 or BF16")->capture_default_str();
  exp->add_option("--tokenizer", e->tokenizer, "Tokenizer (tokenizer.json or GGUF; default: the recipe's)");
  exp->add_option("--name", e->name, "general.name (default: the recipe's output.name)");
  exp->callback([e, &ctx] { ctx.exit_code = run_export(*e); });

  CLI::Option* log_level = app.get_option_no_throw("--log-level");
  sub->callback([c, exp, sub, log_level, &ctx] {
    if (exp->parsed()) return;
    if (c->recipe.empty()) {
      std::fprintf(stderr, "primer train: a recipe file is required\n%s", sub->help().c_str());
      ctx.exit_code = 2;
      return;
    }
    // Training is long-running: progress lines (info) are on unless --log-level says otherwise.
    if (log_level == nullptr || log_level->count() == 0) ctx.logger.set_level(LogLevel::kInfo);
    ctx.exit_code = run_train(*c, ctx.logger);
  });
}

}  // namespace primer::cli
