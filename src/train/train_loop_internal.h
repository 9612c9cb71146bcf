#pragma once
// Private to the training loop (recipe.cpp, train_loop*.cpp, checkpoint.cpp, loss_plot.cpp).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "primer/error.h"
#include "primer/tokenizer.h"
#include "primer/train_data.h"
#include "primer/train_loop.h"

namespace primer::train {

// One optimizer step of the loss curve (a row of loss.csv). val_loss is NaN where no evaluation
// ran; seconds is the wall time since the run began (resumed runs continue the count).
struct LossRow {
  int64_t step = 0;     // optimizer steps done (1-based)
  float lr = 0;
  double train_loss = 0;
  double val_loss = 0;
  int64_t tokens = 0;   // tokens seen after this step
  double seconds = 0;
};

// A recipe's data, opened and checked (recipe_check.cpp): shards exist, are non-empty and hold
// enough windows (train: one batch, val: one window), val and train share a vocabulary, the
// tokenizer (when given) matches the data and the model, the shape is valid.
struct RecipeData {
  std::unique_ptr<Shard> train;        // never null
  std::unique_ptr<Shard> val;          // null without data.val
  std::unique_ptr<Tokenizer> tokenizer;  // null without data.tokenizer
  ModelShape shape;                    // validated; n_vocab filled from the data when 0
};
// model_shape: the shape of an init_from model (null: the recipe's [model]).
Result<RecipeData> open_recipe_data(const Recipe& recipe, const ModelShape* model_shape);

// A hash of everything that decides a run's trajectory (shape, init, data, batch geometry,
// schedule, optimizer, seed, distillation loss). Excluded: steps (so --steps can extend a run),
// cadences, threads, output options. A checkpoint made under another hash is refused on resume.
uint64_t recipe_hash(const Recipe& recipe);

// Writes `bytes` to `path` atomically: PATH.tmp, fsync, rename, fsync of the folder. On error
// the tmp file is removed and `path` is unchanged.
Status write_file_atomic(const std::string& path, std::string_view bytes);

// loss.csv: "step,lr,train_loss,val_loss,tokens,seconds", val_loss empty where not evaluated.
std::string loss_csv(std::span<const LossRow> rows);
// loss.svg: a self-contained line chart (train loss, validation loss, axes, ticks, legend).
std::string loss_svg(std::span<const LossRow> rows, const std::string& title);

}  // namespace primer::train
