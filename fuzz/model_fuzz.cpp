// libFuzzer target: Model::from_gguf on arbitrary bytes (hostile hyper-parameters, tensor
// shapes, types, rope metadata), and for every model that loads, a Context and a two-token
// forward pass, so ASan catches any read the validation let through.
// Seeds: fuzz/corpus/model/ (tiny models from `primer gen-model`, see scripts/fuzz.sh).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "primer/engine.h"
#include "primer/gguf.h"
#include "primer/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = primer::GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
  if (!file.ok()) return 0;
  auto model = primer::Model::from_gguf(std::move(*file));
  if (!model.ok()) return 0;
  const primer::ModelConfig& c = (*model)->config();
  // Keep the forward pass cheap: fuzzing is about reads, not FLOPs.
  if (c.n_embd * c.n_layer * (c.n_ff + c.n_embd) > (int64_t{1} << 24) || c.n_vocab > (1 << 16)) return 0;
  primer::ThreadPool pool(1);
  primer::ContextOptions options;
  options.n_ctx = 4;
  options.n_batch = 2;
  auto ctx = primer::Context::create(**model, pool, options);
  if (!ctx.ok()) return 0;
  primer::Batch batch;
  batch.add(0, 0, 0, true);
  batch.add(static_cast<int32_t>(c.n_vocab - 1), 0, 1, true);
  if (!(*ctx)->decode(batch).ok()) __builtin_trap();
  volatile float sink = (*ctx)->logits(1)[0];
  (void)sink;
  return 0;
}
