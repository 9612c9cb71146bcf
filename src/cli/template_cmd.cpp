#include "cli/commands.h"

namespace primer::cli {

// Placeholder until the template command lands.
void register_template(CLI::App& app, CliContext& ctx) {
  auto* sub = app.add_subcommand("template", "(in progress)");
  sub->callback([&ctx] { ctx.exit_code = 2; });
}

}  // namespace primer::cli
