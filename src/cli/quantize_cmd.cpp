// `primer quantize`: re-encode a model's matrices with one of llama.cpp's file types.
//
//   primer quantize IN.gguf OUT.gguf --type Q4_K_M [--allow-requantize] [--threads N]
//
// The mixture rules (which tensors get more bits) are llama.cpp's; see src/model/file_type.cpp.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "primer/model_factory.h"

namespace primer::cli {
namespace {

struct QuantizeCmd {
  std::string in, out;
  std::string type = "Q4_K_M";
  bool allow_requantize = false;
  int threads = 0;
};

int run(const QuantizeCmd& c, Logger& logger) {
  auto type = parse_file_type(c.type);
  if (!type.ok()) {
    std::fprintf(stderr, "primer quantize: --type: %s\n", type.error().message.c_str());
    return 2;
  }
  if (c.in == c.out) {
    std::fprintf(stderr, "primer quantize: input and output are the same file\n");
    return 2;
  }
  QuantizeOptions o;
  o.type = *type;
  o.allow_requantize = c.allow_requantize;
  ThreadPool pool(c.threads);
  Status s = quantize_model(c.in, c.out, o, pool, logger);
  if (!s.ok()) {
    std::fprintf(stderr, "primer quantize: %s\n", s.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "primer quantize: wrote %s (%s)\n", c.out.c_str(), file_type_name(o.type));
  return 0;
}

}  // namespace

void register_quantize(CLI::App& app, CliContext& ctx) {
  auto c = std::make_shared<QuantizeCmd>();
  auto* sub = app.add_subcommand("quantize", "Re-encode a model's weights (Q4_K_M, Q8_0, F16, ...)");
  sub->add_option("input", c->in, "Input GGUF model")->required();
  sub->add_option("output", c->out, "Output GGUF file")->required();
  sub->add_option("--type", c->type,
                  "File type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K")
      ->capture_default_str();
  sub->add_flag("--allow-requantize", c->allow_requantize,
                "Allow re-quantizing tensors that are already quantized (adds error)");
  sub->add_option("-t,--threads", c->threads, "Threads (0: all cores)")->capture_default_str();
  sub->callback([c, &ctx] { ctx.exit_code = run(*c, ctx.logger); });
}

}  // namespace primer::cli
