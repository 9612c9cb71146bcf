// Primer's side of the training benchmark (scripts/bench-train.sh runs it beside
// scripts/bench-train-torch.py): one training step of the shapes A, B, C — forward,
// cross-entropy, backward (Trainer::forward_backward), clip_grad_norm(1.0) and AdamW::step — on
// random tokens with a fixed thread count, warm-up steps then timed steps. Prints per shape:
//
//   primer shape A: 2048 tokens/step, 40.1 ms/step, 51072 tokens/s, 310.2 GFLOP/s = 45.3% of the
//   measured f32 FMA peak 684.3 GFLOP/s (avx512 kernels, 2 threads), peak RSS 95.2 MiB, scratch 60.1 MiB
//
// FLOPs per step (the same formula as the PyTorch script): 6 * N * tokens +
// 12 * n_layer * n_head * head_dim * seq_len * tokens, N = the parameters of the matrix products
// (q, k, v, o, gate, up, down of every layer and the output head). The second term is PaLM's
// attention count (QK^T and AV, forward 1x + backward 2x over the full seq_len x seq_len square;
// a causal implementation does about half of it). The peak is `primer bench`'s: every thread of
// the pool runs KernelSet::peak.fma_f32 (cli/membw.h measure_peak_gops).
//
//   bench_train_step [--threads 2] [--warmup 3] [--steps 10] [--no-peak] A B C
//
// Not a Google Benchmark program: one step is long (tens of ms to seconds) and the figures the
// issue asks for (tokens/s, share of the peak, peak RSS) are printed directly. Peak RSS is the
// process's: run one shape per process for per-shape figures (bench-train.sh does).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/membw.h"
#include "primer/kernels.h"
#include "primer/thread_pool.h"
#include "primer/train.h"

namespace {

using primer::train::ModelShape;

struct BenchShape {
  const char* name;
  ModelShape shape;
  int64_t batch, seq_len;
};

ModelShape make_shape(int64_t d, int64_t layers, int64_t heads, int64_t kv_heads, int64_t ff, int64_t vocab,
                      int64_t ctx) {
  ModelShape s;
  s.arch = "llama";
  s.n_embd = d;
  s.n_layer = layers;
  s.n_head = heads;
  s.n_head_kv = kv_heads;
  s.n_ff = ff;
  s.n_vocab = vocab;
  s.n_ctx = ctx;
  s.tied_embeddings = true;
  return s;
}

// The shapes (d, layers, heads, KV heads, FFN, vocab; seq, batch), llama, tied.
std::vector<BenchShape> all_shapes() {
  return {{"A", make_shape(128, 4, 4, 2, 384, 4096, 256), 8, 256},
          {"B", make_shape(288, 6, 6, 6, 768, 32000, 256), 8, 256},
          {"C", make_shape(512, 8, 8, 4, 1408, 8192, 512), 4, 512}};
}

double step_flops(const ModelShape& s, int64_t batch, int64_t seq_len) {
  const double hd = static_cast<double>(s.n_embd / s.n_head);
  const double d = static_cast<double>(s.n_embd), q = static_cast<double>(s.n_head) * hd,
               kv = static_cast<double>(s.n_head_kv) * hd;
  const double n_matmul = static_cast<double>(s.n_layer) * (2 * d * q + 2 * d * kv + 3 * d * static_cast<double>(s.n_ff)) +
                          static_cast<double>(s.n_vocab) * d;
  const double tokens = static_cast<double>(batch * seq_len);
  return 6 * n_matmul * tokens + 12 * static_cast<double>(s.n_layer) * q * static_cast<double>(seq_len) * tokens;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
}

int run(const BenchShape& b, int threads, int warmup, int steps, double peak) {
  auto created = primer::train::TrainModel::create(b.shape);
  if (!created.ok()) {
    std::fprintf(stderr, "bench_train_step: shape %s: %s\n", b.name, created.error().message.c_str());
    return 1;
  }
  primer::train::TrainModel& model = *created;
  model.init(1);
  primer::ThreadPool pool(threads);
  primer::train::Trainer trainer(model, b.batch, b.seq_len, pool);
  primer::train::AdamW opt(model, {});

  // Random tokens (a fixed LCG); the target of each position is the next token.
  const int64_t n = b.batch * b.seq_len;
  std::vector<int32_t> tokens(static_cast<size_t>(n + 1)), targets(static_cast<size_t>(n));
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (auto& t : tokens) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    t = static_cast<int32_t>((x >> 33) % static_cast<uint64_t>(b.shape.n_vocab));
  }
  std::copy(tokens.begin() + 1, tokens.end(), targets.begin());
  primer::train::BatchView batch;
  batch.n_seq = b.batch;
  batch.seq_len = b.seq_len;
  batch.tokens = tokens.data();
  batch.targets = targets.data();

  double loss = 0;
  auto step = [&] {
    model.zero_grads();
    loss = trainer.forward_backward(batch).loss;
    primer::train::clip_grad_norm(model, 1.0f, pool);
    opt.step(model, 1e-3f, pool);
  };
  for (int i = 0; i < warmup; ++i) step();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step();
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / std::max(steps, 1);
  const double gflops = step_flops(b.shape, b.batch, b.seq_len) / sec / 1e9;
  std::printf("primer shape %s: %lld tokens/step, %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s", b.name,
              static_cast<long long>(n), sec * 1e3, static_cast<double>(n) / sec, gflops);
  if (peak > 0) {
    std::printf(" = %.1f%% of the measured f32 FMA peak %.1f GFLOP/s (%s kernels, %d threads)", 100.0 * gflops / peak,
                peak, primer::cpu_level_name(primer::kernels().level), threads);
  }
  std::printf(", peak RSS %.1f MiB, scratch %.1f MiB, loss %.4f\n", peak_rss_mib(),
              static_cast<double>(trainer.scratch_bytes()) / (1024.0 * 1024.0), loss);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, warmup = 3, steps = 10;
  bool no_peak = false;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](int* out) {
      if (i + 1 >= argc) return false;
      *out = std::atoi(argv[++i]);
      return *out >= 0;
    };
    if (a == "--threads" || a == "--warmup" || a == "--steps") {
      if (!value(a == "--threads" ? &threads : a == "--warmup" ? &warmup : &steps)) {
        std::fprintf(stderr, "bench_train_step: %s needs a number\n", a.c_str());
        return 2;
      }
    } else if (a == "--no-peak") {
      no_peak = true;
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: bench_train_step [--threads N] [--warmup N] [--steps N] [--no-peak] A|B|C...\n");
      return 0;
    } else {
      names.push_back(a);
    }
  }
  if (names.empty()) names = {"A"};
  double peak = 0;
  if (!no_peak) {
    primer::ThreadPool pool(threads);
    peak = primer::cli::measure_peak_gops(pool, primer::kernels().peak.fma_f32);
  }
  const std::vector<BenchShape> shapes = all_shapes();
  for (const std::string& name : names) {
    const BenchShape* found = nullptr;
    for (const BenchShape& s : shapes) {
      if (name == s.name) found = &s;
    }
    if (found == nullptr) {
      std::fprintf(stderr, "bench_train_step: unknown shape '%s' (A, B or C)\n", name.c_str());
      return 2;
    }
    if (run(*found, std::max(threads, 1), warmup, steps, peak) != 0) return 1;
  }
  return 0;
}
