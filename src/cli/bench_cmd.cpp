// `primer bench`: prompt-processing and generation speed, like llama-bench, against this
// machine's limits.
//
//   primer bench -m model.gguf [-p 512] [-n 128] [-t 2] [-r 3] [--profile] [--json]
//
// pp<P>: decode P random tokens as one prompt (chunks of --batch) into an empty cache.
// tg<N>: N single-token decode steps from an empty cache.
// Each runs -r times after one warm-up; reported: median tokens/s and the sample stddev.
// Then: the measured read bandwidth (same thread count, a --membw-mb buffer), the decode roofline
// bandwidth / Model::decode_bytes_per_token() and the achieved fraction of it, prefill GFLOP/s
// (prefill_flops(): every matrix for each prompt token except the output projection, which a
// prompt applies once, plus causal attention) beside the machine's measured peak (KernelSet
// PeakProbes: int8 dot products for quantized weights, f32 FMA for float weights), and the peak
// RSS of the model run (measured before the bandwidth buffer is allocated). --profile adds the
// per-op time of each test.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/engine_flags.h"
#include "cli/generation.h"
#include "cli/membw.h"
#include "primer/kernels.h"

namespace primer::cli {
namespace {

// FLOPs of processing an n-token prompt from an empty cache: the matrices for every token, the
// output projection once (only the last position's logits are computed), and causal attention
// (q.k and p.v: 2 * 2 * head_dim multiply-adds per (head, key) pair, positions 1..n).
double prefill_flops(const Model& model, int64_t n) {
  const ModelConfig& c = model.config();
  const double out = 2.0 * static_cast<double>(c.n_vocab) * static_cast<double>(c.n_embd);
  const double per_token = static_cast<double>(model.flops_per_token()) - out;
  const double pairs = static_cast<double>(n) * static_cast<double>(n + 1) / 2.0;
  const double attn = 4.0 * static_cast<double>(c.n_layer * c.n_head * c.head_dim) * pairs;
  return per_token * static_cast<double>(n) + out + attn;
}

// True when most matrix bytes are quantized (their products run as int8 dot products).
bool mostly_quantized(const Model& model) {
  uint64_t quantized = 0, total = 0;
  auto count = [&](const WeightTensor& t) {
    if (!t.present()) return;
    total += t.n_bytes();
    if (quant_type_traits(t.type)->is_quantized) quantized += t.n_bytes();
  };
  const ModelWeights& w = model.weights();
  count(w.output);
  for (const LayerWeights& l : w.layers) {
    for (const WeightTensor* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) count(*t);
  }
  return 2 * quantized > total;
}


struct BenchOptions {
  EngineOptions engine;
  int64_t n_prompt = 512;
  int64_t n_gen = 128;
  int reps = 3;
  int64_t membw_mb = 1024;
  bool profile = false;
  bool no_peak = false;
  bool json = false;
};

struct Stats {
  std::vector<double> tok_s;
  double median = 0, stddev = 0;
  OpProfile profile;
};

void summarize(Stats& s) {
  std::vector<double> v = s.tok_s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median = n == 0 ? 0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(std::max<size_t>(n, 1));
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  s.stddev = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0.0;
}

std::vector<int32_t> random_tokens(size_t n, int64_t n_vocab) {
  std::vector<int32_t> t(n);
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (auto& v : t) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<int32_t>((x >> 33) % static_cast<uint64_t>(n_vocab));
  }
  return t;
}

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;  // Linux: KiB
}

nlohmann::ordered_json profile_json(const OpProfile& p) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  const double total = p.total_seconds();
  for (const auto& e : p.entries) {
    j.push_back({{"op", e.op}, {"seconds", e.seconds}, {"calls", e.calls},
                 {"share", total > 0 ? e.seconds / total : 0.0}});
  }
  return j;
}

void print_profile(const char* test, const OpProfile& p) {
  const double total = p.total_seconds();
  std::printf("\nprofile %s (%.3f s in ops):\n", test, total);
  std::printf("  %-14s %10s %8s %10s\n", "op", "seconds", "share", "calls");
  for (const auto& e : p.entries) {
    if (e.calls == 0) continue;
    std::printf("  %-14s %10.4f %7.1f%% %10llu\n", e.op.c_str(), e.seconds, total > 0 ? 100.0 * e.seconds / total : 0.0,
                static_cast<unsigned long long>(e.calls));
  }
}

Status run(BenchOptions o) {
  if (o.n_prompt < 0 || o.n_gen < 0) return Error{"-p/-n: must be >= 0"};
  if (o.n_prompt == 0 && o.n_gen == 0) return Error{"-p 0 -n 0: nothing to measure"};
  if (o.reps < 1) return make_error("-r %d: must be >= 1", o.reps);
  if (o.membw_mb < 0) return Error{"--membw-mb: must be >= 0 (0: skip)"};
  o.engine.n_ctx = std::max<int64_t>({o.n_prompt, o.n_gen, 1});
  PRIMER_ASSIGN_OR_RETURN(Engine engine, open_engine(o.engine));
  const Model& model = *engine.model;
  Context& ctx = *engine.ctx;
  const ModelConfig& cfg = model.config();
  Sequence seq(ctx);
  const std::vector<int32_t> prompt = random_tokens(static_cast<size_t>(o.n_prompt), cfg.n_vocab);
  const std::vector<int32_t> gen = random_tokens(static_cast<size_t>(o.n_gen), cfg.n_vocab);

  auto run_pp = [&]() -> Result<double> {
    seq.clear();
    const auto t0 = std::chrono::steady_clock::now();
    PRIMER_TRY(seq.append(prompt));
    return seconds_since(t0);
  };
  auto run_tg = [&]() -> Result<double> {
    seq.clear();
    const auto t0 = std::chrono::steady_clock::now();
    for (int32_t t : gen) {
      const int32_t one[1] = {t};
      PRIMER_TRY(seq.append(one));
    }
    return seconds_since(t0);
  };

  Stats pp, tg;
  if (o.n_prompt > 0) {
    PRIMER_TRY(run_pp());  // warm-up: page in the weights, settle the clocks
    ctx.reset_profile();
    ctx.set_profiling(o.profile);
    for (int r = 0; r < o.reps; ++r) {
      PRIMER_ASSIGN_OR_RETURN(double s, run_pp());
      pp.tok_s.push_back(static_cast<double>(o.n_prompt) / s);
    }
    pp.profile = ctx.profile();
    ctx.set_profiling(false);
    summarize(pp);
  }
  if (o.n_gen > 0) {
    PRIMER_TRY(run_tg());
    ctx.reset_profile();
    ctx.set_profiling(o.profile);
    for (int r = 0; r < o.reps; ++r) {
      PRIMER_ASSIGN_OR_RETURN(double s, run_tg());
      tg.tok_s.push_back(static_cast<double>(o.n_gen) / s);
    }
    tg.profile = ctx.profile();
    ctx.set_profiling(false);
    summarize(tg);
  }
  const uint64_t rss = peak_rss_bytes();
  MemBandwidth bw;
  if (o.membw_mb > 0) bw = measure_read_bandwidth(*engine.pool, static_cast<size_t>(o.membw_mb) << 20);

  const double bytes_per_token = static_cast<double>(model.decode_bytes_per_token());
  const double roofline = bw.gb_per_s > 0 && bytes_per_token > 0 ? bw.gb_per_s * 1e9 / bytes_per_token : 0.0;
  const double fraction = roofline > 0 ? tg.median / roofline : 0.0;
  const double pp_flops = prefill_flops(model, o.n_prompt);
  const double gflops = pp.median > 0 ? pp_flops * pp.median / static_cast<double>(o.n_prompt) / 1e9 : 0.0;
  const bool int8 = mostly_quantized(model);
  double peak = 0;
  if (o.n_prompt > 0 && !o.no_peak) {
    const PeakProbes& probes = kernels().peak;
    peak = measure_peak_gops(*engine.pool, int8 ? probes.dot_int8 : probes.fma_f32);
  }
  const char* peak_kind = int8 ? "int8 dot-product" : "f32 FMA";
  const std::string pp_name = "pp" + std::to_string(o.n_prompt), tg_name = "tg" + std::to_string(o.n_gen);

  if (o.json) {
    nlohmann::ordered_json j;
    j["model"] = o.engine.model_path;
    j["arch"] = cfg.arch;
    j["threads"] = engine.pool->size();
    j["kv_type"] = o.engine.kv_type;
    j["weight_bytes"] = model.weight_bytes();
    j["kv_bytes"] = ctx.kv_bytes();
    auto test = [&](const Stats& s, int64_t n) {
      nlohmann::ordered_json t = {{"n_tokens", n}, {"reps", o.reps}, {"median_tok_s", s.median},
                                  {"stddev_tok_s", s.stddev}, {"samples_tok_s", s.tok_s}};
      if (o.profile) t["profile"] = profile_json(s.profile);
      return t;
    };
    if (o.n_prompt > 0) j["pp"] = test(pp, o.n_prompt);
    if (o.n_gen > 0) j["tg"] = test(tg, o.n_gen);
    j["membw_gb_s"] = bw.gb_per_s;
    j["membw_buffer_bytes"] = bw.buffer_bytes;
    j["decode_bytes_per_token"] = model.decode_bytes_per_token();
    j["roofline_tok_s"] = roofline;
    j["roofline_fraction"] = fraction;
    j["flops_per_token"] = model.flops_per_token();
    j["prefill_flops"] = pp_flops;
    j["prefill_gflop_s"] = gflops;
    j["peak_kind"] = peak_kind;
    j["peak_gop_s"] = peak;
    j["prefill_peak_fraction"] = peak > 0 ? gflops / peak : 0.0;
    j["cpu_level"] = cpu_level_name(kernels().level);
    j["peak_rss_bytes"] = rss;
    std::printf("%s\n", j.dump(2).c_str());
    return ok_status();
  }
  const double mib = 1024.0 * 1024.0;
  std::printf("model: %s (%s, %lld layers, n_embd %lld, vocab %lld), %d threads, kv %s\n",
              o.engine.model_path.c_str(), cfg.arch.c_str(), static_cast<long long>(cfg.n_layer),
              static_cast<long long>(cfg.n_embd), static_cast<long long>(cfg.n_vocab), engine.pool->size(),
              o.engine.kv_type.c_str());
  std::printf("| %-8s | %14s | %10s | %4s |\n", "test", "tokens/s", "stddev", "reps");
  std::printf("|----------|----------------|------------|------|\n");
  if (o.n_prompt > 0) std::printf("| %-8s | %14.2f | %10.2f | %4d |\n", pp_name.c_str(), pp.median, pp.stddev, o.reps);
  if (o.n_gen > 0) std::printf("| %-8s | %14.2f | %10.2f | %4d |\n", tg_name.c_str(), tg.median, tg.stddev, o.reps);
  if (o.membw_mb > 0) {
    std::printf("memory bandwidth: %.2f GB/s (read, %.0f MiB buffer, %d threads)\n", bw.gb_per_s,
                static_cast<double>(bw.buffer_bytes) / mib, bw.threads);
    std::printf("decode roofline: %.2f tok/s (%.2f MB read per token)", roofline, bytes_per_token / 1e6);
    if (o.n_gen > 0) std::printf("; %s achieves %.1f%%", tg_name.c_str(), 100.0 * fraction);
    std::printf("\n");
  }
  if (o.n_prompt > 0) {
    std::printf("prefill: %.2f GFLOP/s (%.3f GFLOP for %s incl. attention)", gflops, pp_flops / 1e9,
                pp_name.c_str());
    if (peak > 0) {
      std::printf("; measured %s peak %.1f GOP/s (%s kernels), %.1f%% of it", peak_kind, peak,
                  cpu_level_name(kernels().level), 100.0 * gflops / peak);
    }
    std::printf("\n");
  }
  std::printf("peak RSS: %.1f MiB (weights %.1f MiB + KV cache %.1f MiB)\n", static_cast<double>(rss) / mib,
              static_cast<double>(model.weight_bytes()) / mib, static_cast<double>(ctx.kv_bytes()) / mib);
  if (o.profile) {
    if (o.n_prompt > 0) print_profile(pp_name.c_str(), pp.profile);
    if (o.n_gen > 0) print_profile(tg_name.c_str(), tg.profile);
  }
  return ok_status();
}

}  // namespace

void register_bench(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<BenchOptions>();
  auto* sub = app.add_subcommand("bench", "Prompt and generation speed against the machine's bandwidth (like llama-bench)");
  add_engine_flags(sub, o->engine, /*with_ctx=*/false);
  sub->add_option("-p,--n-prompt", o->n_prompt, "Prompt tokens for the pp test (0: skip)")->capture_default_str();
  sub->add_option("-n,--n-gen", o->n_gen, "Generated tokens for the tg test (0: skip)")->capture_default_str();
  sub->add_option("-r,--repetitions", o->reps, "Repetitions of each test")->capture_default_str();
  sub->add_flag("--no-peak", o->no_peak, "Skip measuring the arithmetic peak");
  sub->add_option("--membw-mb", o->membw_mb, "Bandwidth test buffer in MiB, >> last-level cache (0: skip)")
      ->capture_default_str();
  sub->add_flag("--profile", o->profile, "Print the per-op time of each test");
  sub->add_flag("--json", o->json, "Print the results as JSON");
  sub->callback([o, &ctx] {
    Status s = run(*o);
    if (!s.ok()) {
      std::fprintf(stderr, "primer bench: %s\n", s.error().message.c_str());
      ctx.exit_code = 1;
    }
  });
}

}  // namespace primer::cli
