// Reading a teacher top-k cache: the entry codec, validation of a mapped file, and
// dequantization of one window into the trainer's buffers. Format: include/primer/distill.h.
#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <vector>

#include "primer/gguf.h"
#include "train/teacher_cache_format.h"

namespace primer::train {

Result<TeacherEntryCodec> TeacherEntryCodec::for_vocab(int64_t n_vocab) {
  if (n_vocab < 1 || n_vocab > (int64_t{1} << 24)) {
    return make_error("[distill] n_vocab %lld: the teacher cache packs ids into at most 24 bits (1 .. 16777216)",
                      static_cast<long long>(n_vocab));
  }
  TeacherEntryCodec c;
  c.id_bits = std::max(1u, static_cast<uint32_t>(std::bit_width(static_cast<uint64_t>(n_vocab - 1))));
  c.lp_bits = 32 - c.id_bits;
  c.lp_step = kTeacherLogprobRange / static_cast<float>((uint64_t{1} << c.lp_bits) - 1);
  return c;
}

uint32_t TeacherEntryCodec::encode(int32_t id, float logprob) const {
  const uint32_t max_q = static_cast<uint32_t>((uint64_t{1} << lp_bits) - 1);
  const float x = -logprob / lp_step;
  uint32_t q;
  if (!(x > 0.0f)) {
    q = 0;  // logprob >= 0 (rounding of the top token)
  } else if (!(x < static_cast<float>(max_q))) {
    q = max_q;  // below the range, or NaN
  } else {
    q = static_cast<uint32_t>(std::lround(x));
  }
  return static_cast<uint32_t>(id) | (q << id_bits);
}

namespace detail {

TeacherCacheHeader make_header(const TeacherCacheKey& key, const TeacherEntryCodec& codec, uint64_t payload_hash) {
  TeacherCacheHeader h{};
  std::memcpy(h.magic, kTeacherCacheMagic, sizeof(h.magic));
  h.version = kTeacherCacheVersion;
  h.k = static_cast<uint32_t>(key.k);
  h.id_bits = codec.id_bits;
  h.lp_bits = codec.lp_bits;
  h.lp_step = codec.lp_step;
  h.n_windows = static_cast<uint64_t>(key.n_windows);
  h.seq_len = static_cast<uint64_t>(key.seq_len);
  h.n_vocab = static_cast<uint64_t>(key.n_vocab);
  h.teacher_size = key.teacher_size;
  h.teacher_hash = key.teacher_hash;
  h.shard_size = key.shard_size;
  h.shard_path_hash = key.shard_path_hash;
  h.shard_tokenizer_hash = key.shard_tokenizer_hash;
  h.shard_tokens_hash = key.shard_tokens_hash;
  h.payload_hash = payload_hash;
  return h;
}

Status fill_shard_key(const Shard& shard, TeacherCacheKey& key) {
  const std::string& shard_path = shard.path();
  std::error_code ec;
  const auto abs = std::filesystem::weakly_canonical(shard_path, ec);
  const std::string p = ec ? shard_path : abs.string();
  const auto size = std::filesystem::file_size(shard_path, ec);
  if (ec) return make_error("[distill] shard '%s': %s", shard_path.c_str(), ec.message().c_str());
  key.shard_path_hash = fnv1a(p.data(), p.size());
  key.shard_size = size;
  key.shard_tokenizer_hash = shard.tokenizer_hash();
  const auto tokens = shard.tokens();
  key.shard_tokens_hash = fnv1a_words(tokens.data(), tokens.size_bytes());
  return ok_status();
}

}  // namespace detail

Result<std::pair<uint64_t, uint64_t>> teacher_file_identity(const std::string& teacher_path) {
  auto gguf = GgufFile::open(teacher_path);
  if (!gguf.ok()) return gguf.error().wrap("[distill] teacher '" + teacher_path + "' does not load");
  PRIMER_ASSIGN_OR_RETURN(MappedFile file, MappedFile::open(teacher_path));
  const uint64_t size = file.size();
  const uint64_t meta = std::min<uint64_t>(gguf->data_offset(), size);
  uint64_t h = detail::fnv1a(file.data(), meta);
  const uint64_t tail = std::min<uint64_t>(size - meta, uint64_t{1} << 20);
  h = detail::fnv1a_words(file.data() + size - tail, tail, h);
  return std::make_pair(size, h);
}

Result<TeacherCache> TeacherCache::open(const std::string& path, ThreadPool& pool) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.error().wrap("[distill] teacher cache");
  auto file = std::make_shared<MappedFile>(std::move(mapped).value());
  auto fail = [&](const std::string& what) { return Error{"[distill] teacher cache '" + path + "': " + what}; };
  if (file->size() < kTeacherCacheHeaderBytes) {
    return fail("truncated: " + std::to_string(file->size()) + " bytes, shorter than the 128-byte header");
  }
  detail::TeacherCacheHeader h;
  std::memcpy(&h, file->data(), sizeof(h));
  if (std::memcmp(h.magic, detail::kTeacherCacheMagic, sizeof(h.magic)) != 0) return fail("bad magic (not a cache)");
  if (h.version != detail::kTeacherCacheVersion) return fail("unsupported version " + std::to_string(h.version));
  if (h.k < 1 || h.k > 4096) return fail("k " + std::to_string(h.k) + " out of range 1..4096");
  if (h.seq_len < 1 || h.seq_len > (uint64_t{1} << 24)) return fail("seq_len " + std::to_string(h.seq_len) + " out of range");
  if (h.n_windows < 1) return fail("no windows");
  if (h.n_vocab < 1 || h.n_vocab > (uint64_t{1} << 24)) return fail("n_vocab " + std::to_string(h.n_vocab) + " out of range");
  auto codec = TeacherEntryCodec::for_vocab(static_cast<int64_t>(h.n_vocab));
  if (!codec.ok()) return fail(codec.error().message);
  if (h.id_bits != codec->id_bits || h.lp_bits != codec->lp_bits || h.lp_step != codec->lp_step) {
    return fail("entry packing (id_bits " + std::to_string(h.id_bits) + ", lp_bits " + std::to_string(h.lp_bits) +
                ") does not match n_vocab " + std::to_string(h.n_vocab));
  }
  uint64_t per_window = 0, entries = 0, bytes = 0;
  if (__builtin_mul_overflow(h.seq_len, static_cast<uint64_t>(h.k), &per_window) ||
      __builtin_mul_overflow(per_window, h.n_windows, &entries) || __builtin_mul_overflow(entries, 4ull, &bytes) ||
      bytes > file->size() - kTeacherCacheHeaderBytes || bytes != file->size() - kTeacherCacheHeaderBytes) {
    return fail("size " + std::to_string(file->size()) + " bytes does not match the header (" +
                std::to_string(h.n_windows) + " windows x " + std::to_string(h.seq_len) + " positions x k " +
                std::to_string(h.k) + " x 4 bytes + 128): truncated or corrupt");
  }
  const auto* payload = reinterpret_cast<const uint32_t*>(file->data() + kTeacherCacheHeaderBytes);

  // One pass over the payload, threaded by window: hash, ids < n_vocab, log-probs descending.
  std::vector<uint64_t> hashes(h.n_windows);
  std::vector<uint8_t> bad(h.n_windows, 0);
  const uint32_t id_mask = (1u << codec->id_bits) - 1u;
  pool.parallel_for(h.n_windows, 1, [&](size_t begin, size_t end, int) {
    for (size_t w = begin; w < end; ++w) {
      const uint32_t* e = payload + w * per_window;
      hashes[w] = detail::window_hash(e, per_window);
      for (uint64_t pos = 0; pos < h.seq_len && !bad[w]; ++pos) {
        uint32_t prev_q = 0;
        for (uint32_t j = 0; j < h.k; ++j) {
          const uint32_t entry = e[pos * h.k + j];
          const uint32_t q = entry >> codec->id_bits;
          if ((entry & id_mask) >= h.n_vocab || q < prev_q) {
            bad[w] = 1;
            break;
          }
          prev_q = q;
        }
      }
    }
  });
  for (uint64_t w = 0; w < h.n_windows; ++w) {
    if (bad[w]) return fail("window " + std::to_string(w) + ": token id >= n_vocab or log-probs not descending");
  }
  const uint64_t payload_hash = detail::fnv1a_words(hashes.data(), hashes.size() * sizeof(uint64_t));
  if (payload_hash != h.payload_hash) return fail("payload hash mismatch (corrupt file)");

  TeacherCache c;
  c.file_ = std::move(file);
  c.codec_ = *codec;
  c.payload_ = payload;
  c.key_.teacher_size = h.teacher_size;
  c.key_.teacher_hash = h.teacher_hash;
  c.key_.shard_size = h.shard_size;
  c.key_.shard_path_hash = h.shard_path_hash;
  c.key_.shard_tokenizer_hash = h.shard_tokenizer_hash;
  c.key_.shard_tokens_hash = h.shard_tokens_hash;
  c.key_.seq_len = static_cast<int64_t>(h.seq_len);
  c.key_.k = static_cast<int32_t>(h.k);
  c.key_.n_vocab = static_cast<int64_t>(h.n_vocab);
  c.key_.n_windows = static_cast<int64_t>(h.n_windows);
  return c;
}

uint64_t TeacherCache::file_bytes() const { return file_ ? file_->size() : 0; }

double TeacherCache::bytes_per_token() const {
  const double n_tokens = static_cast<double>(key_.n_windows) * static_cast<double>(key_.seq_len);
  return n_tokens > 0 ? static_cast<double>(file_bytes()) / n_tokens : 0.0;
}

void TeacherCache::fill(int64_t window, int32_t* ids, float* logprobs) const {
  PRIMER_CHECK(window >= 0 && window < key_.n_windows);
  const size_t n = static_cast<size_t>(key_.seq_len) * static_cast<size_t>(key_.k);
  const uint32_t* e = payload_ + static_cast<size_t>(window) * n;
  for (size_t i = 0; i < n; ++i) codec_.decode(e[i], &ids[i], &logprobs[i]);
}

TeacherTargets TeacherCache::targets() const {
  TeacherTargets t;
  t.k = key_.k;
  t.fill = [cache = *this](int64_t window, int32_t* ids, float* logprobs) { cache.fill(window, ids, logprobs); };
  return t;
}

}  // namespace primer::train
