// `primer tokenizer train`: learn a byte-level BPE vocabulary from text files.
//
//   primer tokenizer train --vocab-size 8192 --out tok/tokenizer.json corpus/*.txt
//       [--pre llama3|qwen2|gpt2] [--min-frequency 2] [--special TEXT]... [--chat-template FILE]
//       [--max-bytes N] [-t THREADS] [--quiet]
//
// Writes a Hugging Face tokenizer.json and tokenizer_config.json beside it (docs/training/
// tokenizer.md). Progress goes to stderr at info level unless --quiet; the summary to stdout.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "primer/mapped_file.h"
#include "primer/train_data.h"

namespace primer::cli {
namespace {

struct TokenizerTrainCmd {
  std::vector<std::string> files;
  std::string out;
  int64_t vocab_size = 4096;
  std::string pre = "llama3";
  int64_t min_frequency = 2;
  std::vector<std::string> specials;
  std::string chat_template_file;
  uint64_t max_bytes = 0;
  int threads = 0;
  bool quiet = false;
};

int run(const TokenizerTrainCmd& c, Logger& cli_logger) {
  train::BpeTrainOptions o;
  o.vocab_size = c.vocab_size;
  o.pre = c.pre;
  o.min_frequency = c.min_frequency;
  if (!c.specials.empty()) o.special_tokens = c.specials;
  o.max_bytes = c.max_bytes;
  if (!c.chat_template_file.empty()) {
    auto text = read_file(c.chat_template_file);
    if (!text.ok()) {
      std::fprintf(stderr, "primer tokenizer train: --chat-template: %s\n", text.error().message.c_str());
      return 2;
    }
    o.chat_template = *text;
  }
  // Progress at info (debug with --log-level debug) unless --quiet.
  Logger logger(c.quiet ? LogLevel::kWarn : std::min(cli_logger.level(), LogLevel::kInfo));
  ThreadPool pool(c.threads);
  Status s = train::train_bpe_tokenizer(c.files, o, c.out, pool, logger);
  if (!s.ok()) {
    std::fprintf(stderr, "primer tokenizer train: %s\n", s.error().message.c_str());
    return 1;
  }
  auto tok = train::load_tokenizer_any(c.out);
  if (!tok.ok()) {
    std::fprintf(stderr, "primer tokenizer train: the written file does not load: %s\n",
                 tok.error().message.c_str());
    return 1;
  }
  std::printf("wrote %s (+ tokenizer_config.json): %s, pre-tokenizer %s, vocab hash %016" PRIx64 "\n",
              c.out.c_str(), (*tok)->describe().c_str(), c.pre.c_str(), train::tokenizer_vocab_hash(**tok));
  return 0;
}

}  // namespace

void register_tokenizer(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("tokenizer", "Tokenizer tools (train)");
  cmd->require_subcommand(1);
  auto c = std::make_shared<TokenizerTrainCmd>();
  auto* sub = cmd->add_subcommand(
      "train", "Learn a byte-level BPE tokenizer from text files; writes tokenizer.json + tokenizer_config.json");
  sub->add_option("files", c->files, "UTF-8 text files")->required();
  sub->add_option("-o,--out", c->out, "Output tokenizer.json (tokenizer_config.json is written beside it)")
      ->required();
  sub->add_option("--vocab-size", c->vocab_size, "Total tokens: 256 bytes + merges + special tokens")
      ->capture_default_str();
  sub->add_option("--pre", c->pre, "Pre-tokenizer (the engine's): llama3, qwen2 or gpt2")
      ->check(CLI::IsMember({"llama3", "qwen2", "gpt2"}))
      ->capture_default_str();
  sub->add_option("--min-frequency", c->min_frequency, "Never merge a pair seen fewer times")
      ->capture_default_str();
  sub->add_option("--special", c->specials,
                  "Special token, repeatable, in id order (default: <|endoftext|> <|im_start|> <|im_end|>); "
                  "the first is bos/eos/padding")
      ->allow_extra_args(false);
  sub->add_option("--chat-template", c->chat_template_file,
                  "Jinja chat template file for tokenizer_config.json (default: ChatML when "
                  "<|im_start|> and <|im_end|> are special tokens)");
  sub->add_option("--max-bytes", c->max_bytes, "Read at most this many bytes of text (0: all)")
      ->capture_default_str();
  sub->add_option("-t,--threads", c->threads, "Threads (0: all cores)")->capture_default_str();
  sub->add_flag("-q,--quiet", c->quiet, "No progress output");
  sub->callback([c, &ctx] { ctx.exit_code = run(*c, ctx.logger); });
}

}  // namespace primer::cli
