// `primer gen-model`: write a random-weight model of any shape (the tests' and benchmarks' model
// factory).
//
//   primer gen-model --arch qwen2 --n-embd 896 --n-layer 24 --n-head 14 --n-head-kv 2
//       --n-ff 4864 --vocab-from tokenizer.json --type Q4_K_M --seed 1 -o qwen2.5-0.5b-shape.gguf
//
// Every GenModelOptions field is a flag (defaults shown by --help). The file is bit-identical
// for identical flags, whatever --threads is.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "primer/model_factory.h"

namespace primer::cli {
namespace {

struct GenModelCmd {
  GenModelOptions o;
  std::string type = "F32";
  std::string out;
  bool untied = false;
  int threads = 0;
};

int run(GenModelCmd& c, Logger& logger) {
  auto type = parse_file_type(c.type);
  if (!type.ok()) {
    std::fprintf(stderr, "primer gen-model: --type: %s\n", type.error().message.c_str());
    return 2;
  }
  c.o.type = *type;
  c.o.tied_output = !c.untied;
  ThreadPool pool(c.threads);
  const auto start = std::chrono::steady_clock::now();
  Status s = generate_model(c.o, c.out, pool, logger);
  if (!s.ok()) {
    std::fprintf(stderr, "primer gen-model: %s\n", s.error().message.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "primer gen-model: wrote %s (%s %s) in %.1f s\n", c.out.c_str(), c.o.arch.c_str(),
               file_type_name(c.o.type), secs);
  return 0;
}

}  // namespace

void register_gen_model(CLI::App& app, CliContext& ctx) {
  auto c = std::make_shared<GenModelCmd>();
  GenModelOptions& o = c->o;
  auto* sub = app.add_subcommand("gen-model", "Write a random-weight model of any shape (GGUF)");
  sub->add_option("-o,--output", c->out, "Output GGUF file")->required();
  sub->add_option("--arch", o.arch, "Architecture: llama, qwen2, qwen3")
      ->check(CLI::IsMember({"llama", "qwen2", "qwen3"}))
      ->capture_default_str();
  sub->add_option("--n-embd", o.n_embd, "Residual width")->capture_default_str();
  sub->add_option("--n-layer", o.n_layer, "Decoder blocks")->capture_default_str();
  sub->add_option("--n-head", o.n_head, "Query heads")->capture_default_str();
  sub->add_option("--n-head-kv", o.n_head_kv, "Key/value heads (GQA)")->capture_default_str();
  sub->add_option("--head-dim", o.head_dim, "Per-head width (0: n_embd / n_head)")->capture_default_str();
  sub->add_option("--n-ff", o.n_ff, "Feed-forward width (0: 8/3 n_embd rounded up to 32)")->capture_default_str();
  sub->add_option("--n-ctx-train", o.n_ctx_train, "Training context length written to the file")->capture_default_str();
  sub->add_option("--rope-theta", o.rope_theta,
                  "Rope base (0: llama 10000, 500000 with llama3 scaling; qwen 1000000)")
      ->capture_default_str();
  sub->add_option("--rope-scaling", o.rope_scaling,
                  "none | llama3 (writes rope_freqs.weight as Llama 3.1) | linear:<factor>");
  sub->add_flag("--untied", c->untied, "Write a separate output.weight (default: tied to token_embd)");
  sub->add_option("--rms-eps", o.rms_eps, "RMSNorm epsilon")->capture_default_str();
  sub->add_option("--vocab-from", o.vocab_from,
                  "Tokenizer source: a GGUF file (tokenizer.* keys copied) or a Hugging Face tokenizer.json "
                  "(tokenizer_config.json beside it is read too)");
  sub->add_option("--n-vocab", o.n_vocab, "Synthetic vocabulary size without --vocab-from (0: 512)")
      ->capture_default_str();
  sub->add_option("--type", c->type,
                  "File type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  sub->add_option("--init-std", o.init_std, "Standard deviation of the weights")->capture_default_str();
  sub->add_option("-t,--threads", c->threads, "Threads (0: all cores)")->capture_default_str();
  sub->callback([c, &ctx] { ctx.exit_code = run(*c, ctx.logger); });
}

}  // namespace primer::cli
