// `primer data prepare`: text / JSONL / chat transcripts -> token shards for `primer train`.
//
//   primer data prepare --tokenizer tok.json --out data/ [--format auto|text|jsonl|chat]
//       [--text-field text] [--split-paragraphs] [--val-fraction 0.01] [--seed 1]
//       [--skip-bad-rows] [-t N] FILES...
//
// Writes DIR/train.bin, DIR/val.bin and DIR/meta.json (format: docs/training/data.md).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "primer/train_data.h"

namespace primer::cli {
namespace {

struct DataPrepareCmd {
  std::string tokenizer, out, format = "auto", text_field = "text";
  bool split_paragraphs = false, skip_bad_rows = false, quiet = false;
  double val_fraction = 0.01;
  uint64_t seed = 1;
  int threads = 0;
  std::vector<std::string> files;
};

std::optional<train::InputFormat> parse_format(const std::string& name) {
  if (name == "auto") return train::InputFormat::kAuto;
  if (name == "text") return train::InputFormat::kText;
  if (name == "jsonl") return train::InputFormat::kJsonl;
  if (name == "chat") return train::InputFormat::kChat;
  return std::nullopt;
}

int run(const DataPrepareCmd& c, Logger& cli_logger) {
  auto format = parse_format(c.format);
  if (!format) {
    std::fprintf(stderr, "primer data prepare: --format: '%s' is not one of auto, text, jsonl, chat\n", c.format.c_str());
    return 2;
  }
  if (!(c.val_fraction >= 0.0 && c.val_fraction < 1.0)) {
    std::fprintf(stderr, "primer data prepare: --val-fraction: %g is outside [0, 1)\n", c.val_fraction);
    return 2;
  }
  train::PrepareOptions o;
  o.tokenizer = c.tokenizer;
  o.out_dir = c.out;
  o.format = *format;
  o.text_field = c.text_field;
  o.split_paragraphs = c.split_paragraphs;
  o.val_fraction = c.val_fraction;
  o.seed = c.seed;
  o.skip_bad_rows = c.skip_bad_rows;

  // Progress is logged at info unless --quiet (or a --log-level above warn).
  LogLevel level = cli_logger.level();
  if (!c.quiet && level == LogLevel::kWarn) level = LogLevel::kInfo;
  Logger logger(level);
  ThreadPool pool(c.threads);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = train::prepare_data(c.files, o, pool, logger);
  if (!r.ok()) {
    std::fprintf(stderr, "primer data prepare: %s\n", r.error().message.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const train::PrepareReport& rep = *r;
  std::printf("primer data prepare: %s/train.bin: %lld docs, %lld tokens; %s/val.bin: %lld docs, %lld tokens",
              c.out.c_str(), static_cast<long long>(rep.n_docs_train), static_cast<long long>(rep.n_tokens_train),
              c.out.c_str(), static_cast<long long>(rep.n_docs_val), static_cast<long long>(rep.n_tokens_val));
  if (rep.n_skipped_rows > 0) std::printf("; %lld bad rows skipped", static_cast<long long>(rep.n_skipped_rows));
  std::printf(" (%.1f s)\n", secs);
  return 0;
}

}  // namespace

void register_data(CLI::App& app, CliContext& ctx) {
  auto* data = app.add_subcommand("data", "Training data: token shards");
  data->require_subcommand(1);
  auto c = std::make_shared<DataPrepareCmd>();
  auto* sub = data->add_subcommand("prepare", "Tokenize text / JSONL / chat transcripts into train and val shards");
  sub->add_option("files", c->files, "Input files (.txt, .jsonl, ...)")->required();
  sub->add_option("--tokenizer", c->tokenizer, "tokenizer.json or GGUF whose vocabulary the shards use")->required();
  sub->add_option("--out", c->out, "Output directory (train.bin, val.bin, meta.json)")->required();
  sub->add_option("--format", c->format,
                  "auto (by extension and first row), text, jsonl (a text field), chat ({\"messages\": [...]})")
      ->capture_default_str();
  sub->add_option("--text-field", c->text_field, "JSONL field holding the text")->capture_default_str();
  sub->add_flag("--split-paragraphs", c->split_paragraphs,
                "Text files: blank lines separate documents (default: one file = one document)");
  sub->add_option("--val-fraction", c->val_fraction, "Share of documents held out for validation (>= 1 doc when > 0)")
      ->capture_default_str();
  sub->add_option("--seed", c->seed, "Seed of the document shuffle")->capture_default_str();
  sub->add_flag("--skip-bad-rows", c->skip_bad_rows, "Skip and count malformed JSONL rows instead of failing");
  sub->add_flag("-q,--quiet", c->quiet, "No progress lines");
  sub->add_option("-t,--threads", c->threads, "Threads (0: all cores)")->capture_default_str();
  sub->callback([c, &ctx] { ctx.exit_code = run(*c, ctx.logger); });
}

}  // namespace primer::cli
