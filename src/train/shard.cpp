// Shard::open: maps a shard file and validates every field before anything reads it, so a
// hostile or damaged file is an Error naming the file and the field, never a crash.
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "primer/train_data.h"
#include "train/shard_format.h"

namespace primer::train {
namespace {

// What a Shard keeps alive: the map, and an aligned copy of the doc offsets when they sit at an
// offset that is not a multiple of 8 in the file (the format has no padding). Shard::file_
// points at `map` through an aliasing shared_ptr that owns the whole struct.
struct ShardStorage {
  MappedFile map;
  std::vector<uint64_t> docs;
};

// a * b + c with overflow detection.
bool mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t* out) {
  uint64_t m = 0;
  if (__builtin_mul_overflow(a, b, &m)) return false;
  return !__builtin_add_overflow(m, c, out);
}

}  // namespace

std::span<const uint8_t> Shard::mask() const {
  if (mask_ == nullptr) return {};
  return {mask_, n_tokens_};
}

Result<Shard> Shard::open(const std::string& path) {
  auto fail = [&](const std::string& what) { return Error{"[shard] '" + path + "': " + what}; };
  PRIMER_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
  const uint64_t size = mapped.size();
  if (size < kShardHeaderBytes) {
    return fail("file is " + std::to_string(size) + " bytes, smaller than the 64-byte header");
  }
  ShardHeader h;
  std::memcpy(&h, mapped.data(), sizeof(h));
  if (std::memcmp(h.magic, kShardMagic, sizeof(h.magic)) != 0) return fail("bad magic (not a PRMSHRD1 shard)");
  if (h.version != kShardVersion) {
    return fail("unsupported version " + std::to_string(h.version) + " (this build reads version 1)");
  }
  if ((h.flags & ~kShardFlagMask) != 0) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%x", h.flags);
    return fail(std::string("flags ") + buf + " has unknown bits (only bit 0, the loss mask, is defined)");
  }
  const bool has_mask = (h.flags & kShardFlagMask) != 0;
  if (h.n_vocab == 0 || h.n_vocab > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return fail("n_vocab " + std::to_string(h.n_vocab) + " is out of range [1, 2^31 - 1]");
  }
  // Expected size: header + 4 n_tokens + mask + 8 (n_docs + 1). n_tokens is bounded first so
  // the offsets cannot overflow.
  if (h.n_tokens > (std::numeric_limits<uint64_t>::max() - 64) / 8) {
    return fail("n_tokens " + std::to_string(h.n_tokens) + " overflows the file size computation");
  }
  const uint64_t docs_at = shard_docs_offset(h.n_tokens, has_mask);
  uint64_t docs_count = 0, expected = 0;
  if (__builtin_add_overflow(h.n_docs, 1, &docs_count) || !mul_add(docs_count, 8, docs_at, &expected)) {
    return fail("n_docs " + std::to_string(h.n_docs) + " overflows the file size computation");
  }
  if (expected != size) {
    return fail("n_tokens " + std::to_string(h.n_tokens) + " and n_docs " + std::to_string(h.n_docs) + " need " +
                std::to_string(expected) + " bytes but the file has " + std::to_string(size));
  }

  auto storage = std::make_shared<ShardStorage>();
  storage->map = std::move(mapped);
  const uint8_t* base = storage->map.data();
  const uint64_t* docs = reinterpret_cast<const uint64_t*>(base + docs_at);
  if (docs_at % alignof(uint64_t) != 0) {
    storage->docs.resize(h.n_docs + 1);
    std::memcpy(storage->docs.data(), base + docs_at, (h.n_docs + 1) * sizeof(uint64_t));
    docs = storage->docs.data();
  }

  Shard s;
  s.file_ = std::shared_ptr<MappedFile>(storage, &storage->map);
  s.path_ = path;
  s.n_tokens_ = h.n_tokens;
  s.n_docs_ = h.n_docs;
  s.n_vocab_ = h.n_vocab;
  s.tokenizer_hash_ = h.tokenizer_hash;
  s.tokens_ = reinterpret_cast<const uint32_t*>(base + kShardHeaderBytes);
  s.mask_ = has_mask ? base + kShardHeaderBytes + 4 * h.n_tokens : nullptr;
  s.docs_ = docs;

  for (uint64_t i = 0; i < s.n_tokens_; ++i) {
    if (s.tokens_[i] >= s.n_vocab_) {
      return fail("tokens[" + std::to_string(i) + "] = " + std::to_string(s.tokens_[i]) + " is >= n_vocab " +
                  std::to_string(s.n_vocab_));
    }
  }
  if (has_mask) {
    for (uint64_t i = 0; i < s.n_tokens_; ++i) {
      if (s.mask_[i] > 1) return fail("mask[" + std::to_string(i) + "] = " + std::to_string(s.mask_[i]) + " is not 0 or 1");
    }
  }
  if (s.docs_[0] != 0) return fail("docs[0] = " + std::to_string(s.docs_[0]) + ", expected 0");
  if (s.docs_[s.n_docs_] != s.n_tokens_) {
    return fail("docs[n_docs] = " + std::to_string(s.docs_[s.n_docs_]) + ", expected n_tokens " +
                std::to_string(s.n_tokens_));
  }
  for (uint64_t i = 0; i < s.n_docs_; ++i) {
    if (s.docs_[i + 1] < s.docs_[i]) {
      return fail("doc offsets are not monotone: docs[" + std::to_string(i + 1) + "] = " +
                  std::to_string(s.docs_[i + 1]) + " < docs[" + std::to_string(i) + "] = " + std::to_string(s.docs_[i]));
    }
  }
  return s;
}

}  // namespace primer::train
