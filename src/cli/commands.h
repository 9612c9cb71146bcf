// Subcommand registration for the `primer` binary. Each subcommand lives in its own
// <name>_cmd.cpp, declares its options with help text on the CLI11 app, and sets
// ctx.exit_code from its callback. Commands print errors as "primer <cmd>: <message>" on stderr
// and return non-zero; they never abort on bad input.
#pragma once

#include <CLI/CLI.hpp>

#include "primer/log.h"

namespace primer::cli {

struct CliContext {
  Logger logger{LogLevel::kWarn};
  int exit_code = 0;
};

void register_tokenize(CLI::App& app, CliContext& ctx);
void register_template(CLI::App& app, CliContext& ctx);
void register_run(CLI::App& app, CliContext& ctx);
void register_chat(CLI::App& app, CliContext& ctx);
void register_perplexity(CLI::App& app, CliContext& ctx);
void register_bench(CLI::App& app, CliContext& ctx);
void register_info(CLI::App& app, CliContext& ctx);
void register_quantize(CLI::App& app, CliContext& ctx);
void register_gen_model(CLI::App& app, CliContext& ctx);
void register_serve(CLI::App& app, CliContext& ctx);
void register_tokenizer(CLI::App& app, CliContext& ctx);  // primer tokenizer train
void register_data(CLI::App& app, CliContext& ctx);       // primer data prepare
void register_train(CLI::App& app, CliContext& ctx);
void register_distill(CLI::App& app, CliContext& ctx);

// Reads `arg`, or all of stdin when `arg` is "-".
std::string read_text_arg(const std::string& arg);

}  // namespace primer::cli
