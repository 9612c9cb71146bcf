// `primer`: one binary, one subcommand per capability. See `primer --help`.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "cli/commands.h"

namespace primer::cli {

std::string read_text_arg(const std::string& arg) {
  if (arg != "-") return arg;
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

}  // namespace primer::cli

int main(int argc, char** argv) {
  using namespace primer::cli;
  CLI::App app{"primer: a self-hosted AI teaching assistant and the small-model stack beneath it"};
  app.set_version_flag("--version", std::string("primer ") + PRIMER_VERSION);
  app.require_subcommand(1);
  CliContext ctx;
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "Log level: debug, info, warn, error, off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.parse_complete_callback([&] {
    primer::LogLevel level;
    if (primer::parse_log_level(log_level, &level)) ctx.logger.set_level(level);
  });

  register_tokenize(app, ctx);
  register_template(app, ctx);
  register_run(app, ctx);
  register_chat(app, ctx);
  register_perplexity(app, ctx);
  register_bench(app, ctx);
  register_info(app, ctx);
  register_quantize(app, ctx);
  register_gen_model(app, ctx);
  register_serve(app, ctx);
  register_tokenizer(app, ctx);
  register_data(app, ctx);
  register_train(app, ctx);
  register_distill(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return ctx.exit_code;
}
