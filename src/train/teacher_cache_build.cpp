// Building a teacher top-k cache: the teacher decodes every training window once (several
// windows per decode call, threaded by the engine over the pool), each position's logits become
// the top-k log-probabilities (threaded over positions), packed and written to cache_path.tmp,
// then renamed over cache_path (a crash never leaves a half-written cache under the real name).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <unistd.h>
#include <vector>

#include "primer/engine.h"
#include "train/teacher_cache_format.h"

namespace primer::train {
namespace {

namespace fs = std::filesystem;

// Top-k of one logits row (descending; ties: lower id first) as log-softmax values, packed.
// `best` is scratch of k (logit, id) pairs. Returns false when a logit is not finite.
bool pack_topk(std::span<const float> logits, int64_t n_vocab, int k, const TeacherEntryCodec& codec,
               std::vector<std::pair<float, int32_t>>& best, uint32_t* out) {
  float mx = -std::numeric_limits<float>::infinity();
  for (float x : logits) {
    if (!std::isfinite(x)) return false;
    mx = std::max(mx, x);
  }
  double sum = 0;
  for (float x : logits) sum += std::exp(x - mx);  // float exp, double sum
  const float lse = mx + static_cast<float>(std::log(sum));
  // Insertion into a sorted list of at most k; a candidate enters only above the k-th logit.
  best.clear();
  const int64_t n = std::min<int64_t>(n_vocab, static_cast<int64_t>(logits.size()));
  for (int64_t id = 0; id < n; ++id) {
    const float x = logits[static_cast<size_t>(id)];
    if (static_cast<int>(best.size()) == k && !(x > best.back().first)) continue;
    auto it = std::upper_bound(best.begin(), best.end(), x,
                               [](float v, const std::pair<float, int32_t>& e) { return v > e.first; });
    if (static_cast<int>(best.size()) == k) best.pop_back();
    best.insert(it, {x, static_cast<int32_t>(id)});
  }
  for (int j = 0; j < k; ++j) {
    // Fewer than k ids (n_vocab < k): repeat the last entry (probability mass counted once by
    // the trainer would be wrong, so the caller refuses k > n_vocab instead; this is a guard).
    const auto& e = best[static_cast<size_t>(std::min<int>(j, static_cast<int>(best.size()) - 1))];
    out[j] = codec.encode(e.second, e.first - lse);
  }
  return true;
}

std::string key_difference(const TeacherCacheKey& a, const TeacherCacheKey& b) {
  if (a.teacher_size != b.teacher_size || a.teacher_hash != b.teacher_hash) return "the teacher file changed";
  if (a.shard_path_hash != b.shard_path_hash) return "the shard path changed";
  if (a.shard_size != b.shard_size || a.shard_tokenizer_hash != b.shard_tokenizer_hash ||
      a.shard_tokens_hash != b.shard_tokens_hash) {
    return "the shard changed";
  }
  if (a.seq_len != b.seq_len) return "seq_len " + std::to_string(a.seq_len) + " -> " + std::to_string(b.seq_len);
  if (a.k != b.k) return "k " + std::to_string(a.k) + " -> " + std::to_string(b.k);
  if (a.n_vocab != b.n_vocab) return "n_vocab changed";
  return "the number of windows changed";
}

class CacheWriter {
 public:
  explicit CacheWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {}
  ~CacheWriter() {
    if (f_ != nullptr) std::fclose(f_);
    if (!done_) {
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  Status open() {
    std::error_code ec;
    const fs::path parent = fs::path(path_).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (f_ == nullptr) return make_error("[distill] cannot write '%s': %s", tmp_.c_str(), std::strerror(errno));
    const detail::TeacherCacheHeader blank{};
    return write(&blank, sizeof(blank));
  }
  Status write(const void* data, size_t n) {
    if (std::fwrite(data, 1, n, f_) != n) {
      return make_error("[distill] writing '%s' failed: %s", tmp_.c_str(), std::strerror(errno));
    }
    return ok_status();
  }
  Status finish(const detail::TeacherCacheHeader& header) {
    if (std::fseek(f_, 0, SEEK_SET) != 0) return make_error("[distill] seek in '%s' failed", tmp_.c_str());
    PRIMER_TRY(write(&header, sizeof(header)));
    if (std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0) {
      return make_error("[distill] flushing '%s' failed: %s", tmp_.c_str(), std::strerror(errno));
    }
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return make_error("[distill] closing '%s' failed: %s", tmp_.c_str(), std::strerror(errno));
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) return make_error("[distill] renaming '%s' failed: %s", tmp_.c_str(), ec.message().c_str());
    done_ = true;
    return ok_status();
  }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  bool done_ = false;
};

}  // namespace

Result<TeacherCacheReport> ensure_teacher_cache(const TeacherCacheOptions& o, Logger& logger) {
  if (o.k < 1 || o.k > 4096) return make_error("[distill] top_k %d: must be in 1..4096", o.k);
  if (o.seq_len < 1) return make_error("[distill] seq_len %lld: must be >= 1", static_cast<long long>(o.seq_len));
  PRIMER_ASSIGN_OR_RETURN(Shard shard, Shard::open(o.shard_path));
  auto loaded = Model::load(o.teacher_path);
  if (!loaded.ok()) return loaded.error().wrap("[distill] teacher '" + o.teacher_path + "' does not load");
  std::unique_ptr<Model> teacher = std::move(loaded).value();
  PRIMER_TRY(check_teacher_vocab(*teacher, shard, o.recipe_tokenizer));

  const BatchSampler sampler(shard, o.seq_len, 0, /*shuffle=*/false);
  const int64_t n_windows = sampler.n_windows();
  if (n_windows < 1) {
    return make_error("[distill] shard '%s': %llu tokens, fewer than one window of seq_len + 1 = %lld",
                      o.shard_path.c_str(), static_cast<unsigned long long>(shard.n_tokens()),
                      static_cast<long long>(o.seq_len + 1));
  }
  TeacherCacheKey key;
  PRIMER_ASSIGN_OR_RETURN(auto identity, teacher_file_identity(o.teacher_path));
  key.teacher_size = identity.first;
  key.teacher_hash = identity.second;
  PRIMER_TRY(detail::fill_shard_key(shard, key));
  key.seq_len = o.seq_len;
  key.k = o.k;
  const int64_t student_vocab = o.n_vocab > 0 ? o.n_vocab : static_cast<int64_t>(shard.n_vocab());
  key.n_vocab = std::min<int64_t>(student_vocab, teacher->config().n_vocab);
  key.n_windows = n_windows;
  if (o.k > key.n_vocab) {
    return make_error("[distill] top_k %d exceeds the vocabulary (%lld tokens)", o.k,
                      static_cast<long long>(key.n_vocab));
  }
  PRIMER_ASSIGN_OR_RETURN(TeacherEntryCodec codec, TeacherEntryCodec::for_vocab(key.n_vocab));

  ThreadPool pool(o.threads);
  TeacherCacheReport report;
  report.path = o.cache_path;
  report.n_windows = n_windows;
  report.n_tokens = n_windows * o.seq_len;
  if (!o.rebuild && fs::exists(o.cache_path)) {
    auto existing = TeacherCache::open(o.cache_path, pool);
    if (!existing.ok()) {
      logger.log(LogLevel::kWarn, "teacher cache: rebuilding (%s)", existing.error().message.c_str());
    } else if (!(existing->key() == key)) {
      logger.log(LogLevel::kInfo, "teacher cache '%s' is stale (%s): rebuilding", o.cache_path.c_str(),
                 key_difference(existing->key(), key).c_str());
    } else {
      report.reused = true;
      report.bytes_per_token = existing->bytes_per_token();
      report.file_bytes = existing->file_bytes();
      logger.log(LogLevel::kInfo, "teacher cache '%s' matches: reused (%lld windows, %.1f bytes/token)",
                 o.cache_path.c_str(), static_cast<long long>(n_windows), report.bytes_per_token);
      return report;
    }
  }

  // Windows per decode call: enough tokens for efficient matrix products, but the logits of
  // every position (tokens x n_vocab floats) within 256 MiB.
  const int64_t n_vocab_t = teacher->config().n_vocab;
  const int64_t logit_budget = (int64_t{256} << 20) / (4 * n_vocab_t);
  const int64_t per_call = std::clamp<int64_t>(std::min<int64_t>(logit_budget, 2048) / o.seq_len, 1, 16);
  ContextOptions co;
  co.n_ctx = o.seq_len;
  co.n_seq = static_cast<int>(std::min<int64_t>(per_call, n_windows));
  co.n_batch = std::min<int64_t>(co.n_seq * o.seq_len, 1024);
  co.kv_type = QuantType::kF32;
  auto created = Context::create(*teacher, pool, co);
  if (!created.ok()) return created.error().wrap("[distill] teacher context");
  std::unique_ptr<Context> ctx = std::move(created).value();

  CacheWriter writer(o.cache_path);
  PRIMER_TRY(writer.open());
  logger.log(LogLevel::kInfo,
             "teacher cache: running '%s' over %lld windows x %lld tokens (k %d, %u id bits + %u log-prob bits, "
             "step %.5f nats, %d threads) -> %s",
             o.teacher_path.c_str(), static_cast<long long>(n_windows), static_cast<long long>(o.seq_len), o.k,
             codec.id_bits, codec.lp_bits, static_cast<double>(codec.lp_step), pool.size(), o.cache_path.c_str());

  const size_t per_window = static_cast<size_t>(o.seq_len) * static_cast<size_t>(o.k);
  std::vector<int32_t> tokens(static_cast<size_t>(o.seq_len)), targets(static_cast<size_t>(o.seq_len));
  std::vector<uint32_t> entries(static_cast<size_t>(co.n_seq) * per_window);
  std::vector<uint64_t> hashes;
  hashes.reserve(static_cast<size_t>(n_windows));
  std::vector<std::vector<std::pair<float, int32_t>>> scratch(static_cast<size_t>(pool.size()));
  for (auto& s : scratch) s.reserve(static_cast<size_t>(o.k) + 1);
  Batch batch;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_log = t0;
  for (int64_t w0 = 0; w0 < n_windows; w0 += co.n_seq) {
    const int n_here = static_cast<int>(std::min<int64_t>(co.n_seq, n_windows - w0));
    batch.clear();
    for (int s = 0; s < n_here; ++s) {
      ctx->seq_clear(s);
      sampler.fill_window(w0 + s, tokens.data(), targets.data());
      for (int64_t pos = 0; pos < o.seq_len; ++pos) batch.add(tokens[static_cast<size_t>(pos)], s, pos, true);
    }
    if (Status st = ctx->decode(batch); !st.ok()) return st.error().wrap("[distill] teacher decode");
    std::atomic<bool> finite{true};
    pool.parallel_for(batch.size(), 16, [&](size_t begin, size_t end, int thread) {
      for (size_t i = begin; i < end; ++i) {
        if (!pack_topk(ctx->logits(i), key.n_vocab, o.k, codec, scratch[static_cast<size_t>(thread)],
                       entries.data() + i * static_cast<size_t>(o.k))) {
          finite = false;
        }
      }
    });
    if (!finite) {
      return make_error("[distill] teacher '%s' produced non-finite logits in windows %lld..%lld",
                        o.teacher_path.c_str(), static_cast<long long>(w0), static_cast<long long>(w0 + n_here - 1));
    }
    for (int s = 0; s < n_here; ++s) hashes.push_back(detail::window_hash(entries.data() + s * per_window, per_window));
    PRIMER_TRY(writer.write(entries.data(), static_cast<size_t>(n_here) * per_window * sizeof(uint32_t)));

    const auto now = std::chrono::steady_clock::now();
    const int64_t done = w0 + n_here;
    if (std::chrono::duration<double>(now - last_log).count() >= 5.0 || done == n_windows) {
      last_log = now;
      const double secs = std::chrono::duration<double>(now - t0).count();
      const double tps = secs > 0 ? static_cast<double>(done * o.seq_len) / secs : 0.0;
      const double eta = tps > 0 ? static_cast<double>((n_windows - done) * o.seq_len) / tps : 0.0;
      logger.log(LogLevel::kInfo, "teacher: %lld/%lld windows, %.0f tok/s, ETA %.0f s", static_cast<long long>(done),
                 static_cast<long long>(n_windows), tps, eta);
    }
  }
  const uint64_t payload_hash = detail::fnv1a_words(hashes.data(), hashes.size() * sizeof(uint64_t));
  PRIMER_TRY(writer.finish(detail::make_header(key, codec, payload_hash)));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.file_bytes = kTeacherCacheHeaderBytes + static_cast<uint64_t>(n_windows) * per_window * 4;
  report.bytes_per_token = static_cast<double>(report.file_bytes) / static_cast<double>(report.n_tokens);
  logger.log(LogLevel::kInfo,
             "teacher cache written: %s, %lld tokens, %.1f MB, %.1f bytes/token (k %d), max log-prob error %.2e "
             "nats, %.1f s",
             o.cache_path.c_str(), static_cast<long long>(report.n_tokens),
             static_cast<double>(report.file_bytes) / 1e6, report.bytes_per_token, o.k,
             static_cast<double>(codec.max_error()), report.seconds);
  return report;
}

}  // namespace primer::train
