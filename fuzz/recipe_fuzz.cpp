// libFuzzer target: Recipe::parse on arbitrary text (TOML syntax errors, wrong types, unknown
// keys, hostile numbers). A recipe that parses must hold a shape that validates.
// Seeds: fuzz/corpus/recipe/ (the example recipes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "primer/train_loop.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto recipe = primer::train::Recipe::parse(text, "fuzz.toml");
  if (!recipe.ok()) return 0;
  if (recipe->batch_size < 1 || recipe->seq_len < 1 || recipe->steps < 1) __builtin_trap();
  return 0;
}
