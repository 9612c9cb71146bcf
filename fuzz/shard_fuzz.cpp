// libFuzzer target: Shard::open on arbitrary bytes (hostile counts, offsets, token ids), and for
// every shard that opens, a pass over its tokens, mask and documents and a BatchSampler fill, so
// ASan catches any read the validation let through. Seeds: fuzz/corpus/shard/.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "primer/train_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = "/tmp/primer-shard-fuzz-" + std::to_string(getpid()) + ".bin";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto shard = primer::train::Shard::open(path);
  if (shard.ok()) {
    uint64_t sum = 0;
    for (uint32_t t : shard->tokens()) {
      if (t >= shard->n_vocab()) __builtin_trap();
      sum += t;
    }
    for (uint8_t m : shard->mask()) sum += m;
    const auto docs = shard->doc_offsets();
    for (size_t i = 1; i < docs.size(); ++i) {
      if (docs[i] < docs[i - 1] || docs[i] > shard->n_tokens()) __builtin_trap();
    }
    const int64_t seq_len = 4;
    if (shard->n_tokens() > static_cast<uint64_t>(seq_len)) {
      primer::train::BatchSampler sampler(*shard, seq_len, 1);
      std::vector<int32_t> tokens(2 * seq_len), targets(2 * seq_len);
      if (sampler.n_windows() > 0) sampler.fill(0, 2, tokens.data(), targets.data());
    }
    volatile uint64_t sink = sum;
    (void)sink;
  }
  std::remove(path.c_str());
  return 0;
}
