#include "cli/commands.h"

namespace primer::cli {

// Placeholder until the tokenize command lands.
void register_tokenize(CLI::App& app, CliContext& ctx) {
  auto* sub = app.add_subcommand("tokenize", "(in progress)");
  sub->callback([&ctx] { ctx.exit_code = 2; });
}

}  // namespace primer::cli
