#pragma once
// Reading the trainer's PyTorch goldens (tests/golden/train/<name>.{json,bin}, made by
// scripts/gen-train-goldens.py) and comparing float arrays against them.
//
// <name>.json is the index: the model shape, the tensor list, token ids, scalars, and under
// "arrays" {key: {offset, count}} in floats into <name>.bin (float32 little-endian), with keys
// "param/<tensor>", "grad/<tensor>", "updated/<tensor>", "logits", "grad_<kl>/<tensor>",
// "teacher/logprobs".
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "primer/train.h"

namespace primer::train::testing {

struct TrainGolden {
  nlohmann::json index;
  std::vector<float> data;

  // Loads PRIMER_GOLDEN_DIR/train/<name>; on failure returns false with *error set.
  static bool load(const std::string& name, TrainGolden* out, std::string* error);

  bool has(const std::string& key) const;
  // The array stored under `key` (empty span when absent).
  std::span<const float> array(const std::string& key) const;
  ModelShape shape() const;
  // int32 ids of a JSON list (tokens, targets, teacher ids).
  static std::vector<int32_t> ids(const nlohmann::json& list);
};

// Every element within rtol * |ref| + atol_scale * max|ref| (+ a tiny floor); on failure the
// message names the array, the worst element, both values and how many elements failed.
struct Mismatch {
  bool ok = true;
  std::string message;
};
Mismatch compare_arrays(const std::string& what, std::span<const float> got, std::span<const float> ref,
                        double rtol, double atol_scale);

// True when |got - ref| <= rtol * |ref|.
bool close(double got, double ref, double rtol);

}  // namespace primer::train::testing
