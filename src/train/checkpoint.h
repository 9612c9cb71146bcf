#pragma once
// Training checkpoints: OUT/checkpoints/step-N.ckpt and a `latest` pointer file.
//
// File (little-endian; strings are uint32 length + bytes):
//   char magic[8] = "PRMCKPT1"; uint32 version = 1; uint32 reserved = 0
//   uint64 recipe_hash
//   shape: string arch; int64 n_vocab, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_ctx;
//          uint8 tied_embeddings; float32 rope_theta, rms_eps
//   int64 step (optimizer steps done); int64 tokens_seen; float64 seconds; int64 adam_t
//   string tokenizer; string model_name            (for `primer train export`)
//   uint64 n_params; float32 params[n]; float32 adam_m[n]; float32 adam_v[n]
//   uint64 n_rows; rows { int64 step; float32 lr; float64 train_loss, val_loss; int64 tokens;
//                         float64 seconds }        (the loss curve up to `step`)
//   uint64 checksum                                (FNV-1a 64 of every byte before it)
//
// Writing is atomic: step-N.ckpt.tmp is written, fsynced and renamed, then `latest` (one line,
// "step-N.ckpt") is replaced the same way. A failed write (disk full, file too large) removes the
// tmp file and leaves `latest` on the previous checkpoint. After a successful write only the two
// newest checkpoints are kept.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "primer/error.h"
#include "primer/train.h"
#include "train/train_loop_internal.h"

namespace primer::train {

struct CheckpointView {
  uint64_t recipe_hash = 0;
  ModelShape shape;
  int64_t step = 0;
  int64_t tokens_seen = 0;
  double seconds = 0;
  int64_t adam_t = 0;
  std::string tokenizer;
  std::string model_name;
  std::span<const float> params, adam_m, adam_v;
  std::span<const LossRow> history;
};

struct Checkpoint {
  uint64_t recipe_hash = 0;
  ModelShape shape;
  int64_t step = 0;
  int64_t tokens_seen = 0;
  double seconds = 0;
  int64_t adam_t = 0;
  std::string tokenizer;
  std::string model_name;
  std::vector<float> params, adam_m, adam_v;
  std::vector<LossRow> history;
};

// Writes DIR/step-N.ckpt (N = c.step), points DIR/latest at it and prunes older checkpoints.
// Returns the path written.
Result<std::string> write_checkpoint(const std::string& dir, const CheckpointView& c);

// Reads and verifies (magic, version, sizes, checksum) a checkpoint file.
Result<Checkpoint> read_checkpoint(const std::string& path);

// The path `DIR/latest` points to; "" when there is no `latest`.
Result<std::string> latest_checkpoint(const std::string& dir);

// export_checkpoint: declared in include/primer/train_loop.h.

}  // namespace primer::train
