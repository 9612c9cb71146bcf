// The shard file layout (see include/primer/train_data.h) and the crash-safe shard writer.
//
//   offset 0                 header (64 bytes)
//   offset 64                tokens uint32[n_tokens]
//   then                     mask uint8[n_tokens] (flag bit 0)
//   then                     docs uint64[n_docs + 1]   (no padding: may be 4- or 1-byte aligned;
//                                                       Shard::open copies them when misaligned)
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "primer/error.h"

namespace primer::train {

inline constexpr char kShardMagic[8] = {'P', 'R', 'M', 'S', 'H', 'R', 'D', '1'};
inline constexpr uint32_t kShardVersion = 1;
inline constexpr uint32_t kShardFlagMask = 1u;
inline constexpr uint64_t kShardHeaderBytes = 64;

struct ShardHeader {
  char magic[8];
  uint32_t version;
  uint32_t flags;
  uint64_t n_tokens;
  uint64_t n_docs;
  uint64_t n_vocab;
  uint64_t tokenizer_hash;
  uint8_t pad[16];
};
static_assert(sizeof(ShardHeader) == kShardHeaderBytes, "shard header is 64 bytes");

// File offset of the doc offsets: right after the tokens and the mask. The caller has checked
// that 64 + 5 * n_tokens does not overflow.
inline uint64_t shard_docs_offset(uint64_t n_tokens, bool has_mask) {
  return kShardHeaderBytes + 4 * n_tokens + (has_mask ? n_tokens : 0);
}

// The documents of one shard, in the order they are written: document k is
// tokens[doc_begin[order[k]], doc_begin[order[k] + 1]) of the pool (likewise the mask).
struct ShardSource {
  std::span<const uint32_t> tokens;     // [pool tokens]
  std::span<const uint8_t> mask;        // [pool tokens], or empty for no mask section
  std::span<const uint64_t> doc_begin;  // [pool docs + 1]
  std::span<const uint32_t> order;      // [shard docs] indices into the pool's documents
  uint64_t n_vocab = 0;
  uint64_t tokenizer_hash = 0;
};

// Writes the shard to `tmp_path` and fsyncs it; the caller renames it into place (see
// commit_files). A write error removes tmp_path and names `final_path` and the errno text.
Status write_shard_tmp(const ShardSource& src, const std::string& tmp_path, const std::string& final_path);

// Writes a small text file to tmp_path and fsyncs it (same error rules).
Status write_text_tmp(const std::string& text, const std::string& tmp_path, const std::string& final_path);

// Renames each tmp path over its final path, then fsyncs the directory. On failure removes the
// tmp files not yet renamed.
Status commit_files(const std::string& dir, std::span<const std::pair<std::string, std::string>> tmp_to_final);

}  // namespace primer::train
