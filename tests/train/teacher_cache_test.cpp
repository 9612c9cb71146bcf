// The teacher top-k cache: entry packing and its error bound, agreement with the engine's own
// logits, the bytes-per-token target, reuse vs rebuild on every key change, hostile files, and
// the vocabulary / teacher-load errors.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "distill_test_util.h"
#include "train/teacher_cache_format.h"

namespace primer::train {
namespace {

using testing::DistillTempDir;
using testing::TeacherSpec;

TEST(TeacherEntryCodec, RoundTripWithinHalfAStep) {
  for (int64_t n_vocab : {int64_t{300}, int64_t{4096}, int64_t{151936}, int64_t{1} << 24}) {
    auto codec = TeacherEntryCodec::for_vocab(n_vocab);
    ASSERT_TRUE(codec.ok()) << codec.error().message;
    EXPECT_EQ(codec->id_bits + codec->lp_bits, 32u);
    EXPECT_GE(uint64_t{1} << codec->id_bits, static_cast<uint64_t>(n_vocab));
    EXPECT_LT(uint64_t{1} << (codec->id_bits - 1), static_cast<uint64_t>(n_vocab));
    uint64_t x = 12345;
    float worst = 0;
    for (int i = 0; i < 20000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const int32_t id = static_cast<int32_t>((x >> 20) % static_cast<uint64_t>(n_vocab));
      const float lp = -kTeacherLogprobRange * static_cast<float>((x >> 40) & 0xFFFFFF) / float(1 << 24);
      int32_t id2;
      float lp2;
      codec->decode(codec->encode(id, lp), &id2, &lp2);
      ASSERT_EQ(id2, id);
      worst = std::max(worst, std::fabs(lp2 - lp));
    }
    // Half a step, plus float rounding of q * step (an ulp of 30 is 1.9e-6).
    EXPECT_LE(worst, codec->max_error() + 4e-6f) << n_vocab;
    // Below the range: clamped; above 0 (rounding of a top token): 0.
    int32_t id2;
    float lp2;
    codec->decode(codec->encode(3, -100.0f), &id2, &lp2);
    EXPECT_NEAR(lp2, -kTeacherLogprobRange, 1e-3);
    codec->decode(codec->encode(3, 1e-7f), &id2, &lp2);
    EXPECT_EQ(lp2, 0.0f);
  }
  // A Qwen-sized vocabulary: 18 id bits, 14 for the log-prob, error under 0.001 nats.
  auto qwen = TeacherEntryCodec::for_vocab(151936);
  EXPECT_EQ(qwen->id_bits, 18u);
  EXPECT_LT(qwen->max_error(), 0.001f);
  EXPECT_FALSE(TeacherEntryCodec::for_vocab((int64_t{1} << 24) + 1).ok());
  EXPECT_FALSE(TeacherEntryCodec::for_vocab(0).ok());
}

struct Fixture {
  DistillTempDir dir;
  std::string teacher = dir.file("teacher.gguf");
  std::string shard = dir.file("train.bin");
  std::string cache = dir.file("out/teacher-topk.bin");
  TeacherSpec spec;
  std::vector<uint32_t> tokens;

  void make(int64_t n_windows, int64_t seq_len) {
    testing::make_teacher(teacher, spec);
    tokens = testing::random_tokens(static_cast<size_t>(n_windows * seq_len + 1), spec.n_vocab, 3);
    testing::write_shard(shard, tokens, 20, spec.n_vocab, testing::vocab_hash_of(teacher));
  }
  TeacherCacheOptions options(int64_t seq_len, int k) const {
    TeacherCacheOptions o;
    o.teacher_path = teacher;
    o.shard_path = shard;
    o.cache_path = cache;
    o.seq_len = seq_len;
    o.k = k;
    o.threads = 2;
    return o;
  }
};

Logger& quiet() {
  static Logger logger(LogLevel::kOff);
  return logger;
}

TEST(TeacherCache, TopKEqualsTheEnginesOwnLogits) {
  Fixture f;
  const int64_t seq_len = 16, n_windows = 5;
  const int k = 8;
  f.make(n_windows, seq_len);
  auto built = ensure_teacher_cache(f.options(seq_len, k), quiet());
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_FALSE(built->reused);
  EXPECT_EQ(built->n_windows, n_windows);
  ThreadPool pool(2);
  auto cache = TeacherCache::open(f.cache, pool);
  ASSERT_TRUE(cache.ok()) << cache.error().message;
  ASSERT_EQ(cache->n_windows(), n_windows);
  ASSERT_EQ(cache->k(), k);
  auto model = Model::load(f.teacher);
  ASSERT_TRUE(model.ok());
  const float tol = cache->codec().max_error() + 1e-4f;
  std::vector<int32_t> ids(seq_len * k), want_ids;
  std::vector<float> lps(seq_len * k), want_lps;
  const TeacherTargets targets = cache->targets();
  for (int64_t w = 0; w < n_windows; ++w) {
    std::vector<int32_t> window(f.tokens.begin() + w * seq_len, f.tokens.begin() + (w + 1) * seq_len);
    testing::engine_topk(**model, window, k, want_ids, want_lps);
    targets.fill(w, ids.data(), lps.data());
    for (size_t i = 0; i < ids.size(); ++i) {
      // Same ids in the same order, unless two log-probs tie within the tolerance.
      if (ids[i] != want_ids[i]) {
        EXPECT_NEAR(lps[i], want_lps[i], 2 * tol) << "window " << w << " entry " << i;
      } else {
        EXPECT_NEAR(lps[i], want_lps[i], tol) << "window " << w << " entry " << i;
      }
      if (i % k != 0) {
        EXPECT_LE(lps[i], lps[i - 1]);
      }
    }
  }
  // The teacher is peaked, not uniform (else the test would prove little).
  EXPECT_GT(want_lps[0], -std::log(static_cast<float>(f.spec.n_vocab)) + 1.0f);
}

TEST(TeacherCache, QwenSizedVocabularyAt128BytesPerToken) {
  Fixture f;
  f.spec.n_vocab = 151936;
  f.spec.n_embd = 16;
  f.spec.n_layer = 1;
  const int64_t seq_len = 16, n_windows = testing::kSanitized ? 2 : 8;
  f.make(n_windows, seq_len);
  auto built = ensure_teacher_cache(f.options(seq_len, 32), quiet());
  ASSERT_TRUE(built.ok()) << built.error().message;
  const uint64_t payload = built->file_bytes - kTeacherCacheHeaderBytes;
  EXPECT_EQ(payload, static_cast<uint64_t>(n_windows * seq_len) * 128);  // 32 entries x 4 bytes
  EXPECT_EQ(std::filesystem::file_size(f.cache), built->file_bytes);
  EXPECT_LE(built->bytes_per_token, 128.0 + 128.0 / static_cast<double>(n_windows * seq_len));
  ThreadPool pool(2);
  auto cache = TeacherCache::open(f.cache, pool);
  ASSERT_TRUE(cache.ok()) << cache.error().message;
  EXPECT_EQ(cache->codec().id_bits, 18u);
  // Window 0 against the engine.
  auto model = Model::load(f.teacher);
  ASSERT_TRUE(model.ok());
  std::vector<int32_t> window(f.tokens.begin(), f.tokens.begin() + seq_len), ids(seq_len * 32), want_ids;
  std::vector<float> lps(seq_len * 32), want_lps;
  testing::engine_topk(**model, window, 32, want_ids, want_lps);
  cache->fill(0, ids.data(), lps.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_NEAR(lps[i], want_lps[i], cache->codec().max_error() + 1e-4f);
    if (std::fabs(want_lps[i] - want_lps[std::min(i + 1, ids.size() - 1)]) > 1e-3f) {
      EXPECT_EQ(ids[i], want_ids[i]);
    }
  }
}

TEST(TeacherCache, ReusedWhenTheKeyMatchesRebuiltWhenItChanges) {
  Fixture f;
  const int64_t seq_len = 8;
  f.make(4, seq_len);
  auto run = [&](const TeacherCacheOptions& o) {
    auto r = ensure_teacher_cache(o, quiet());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() && r->reused;
  };
  TeacherCacheOptions o = f.options(seq_len, 4);
  EXPECT_FALSE(run(o));
  EXPECT_TRUE(run(o));
  TeacherCacheOptions forced = o;
  forced.rebuild = true;
  EXPECT_FALSE(run(forced));
  EXPECT_TRUE(run(o));
  TeacherCacheOptions other_k = o;
  other_k.k = 5;
  EXPECT_FALSE(run(other_k));
  EXPECT_TRUE(run(other_k));
  TeacherCacheOptions other_len = other_k;
  other_len.seq_len = 6;
  EXPECT_FALSE(run(other_len));
  EXPECT_TRUE(run(other_len));
  // Same-size teacher with other weights (a retrained teacher).
  f.spec.seed = 8;
  testing::make_teacher(f.teacher, f.spec);
  EXPECT_FALSE(run(other_len));
  EXPECT_TRUE(run(other_len));
  // Same-size shard with other tokens.
  auto tokens = testing::random_tokens(f.tokens.size(), f.spec.n_vocab, 99);
  testing::write_shard(f.shard, tokens, 20, f.spec.n_vocab, testing::vocab_hash_of(f.teacher));
  EXPECT_FALSE(run(other_len));
  EXPECT_TRUE(run(other_len));
  // The tmp file never stays behind.
  EXPECT_FALSE(std::filesystem::exists(f.cache + ".tmp"));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(TeacherCache, RejectsTruncatedAndHostileFiles) {
  Fixture f;
  const int64_t seq_len = 8;
  f.make(3, seq_len);
  ASSERT_TRUE(ensure_teacher_cache(f.options(seq_len, 4), quiet()).ok());
  const std::string good = read_bytes(f.cache);
  ThreadPool pool(2);
  const std::string bad = f.dir.file("bad.bin");
  auto expect_error = [&](const std::string& bytes, const std::string& needle) {
    write_bytes(bad, bytes);
    auto c = TeacherCache::open(bad, pool);
    ASSERT_FALSE(c.ok()) << needle;
    EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
  };
  write_bytes(bad, good);
  ASSERT_TRUE(TeacherCache::open(bad, pool).ok());
  expect_error(good.substr(0, good.size() - 4), "truncated");
  expect_error(good.substr(0, 100), "truncated");
  expect_error("", "truncated");
  std::string s = good;
  s[0] = 'X';
  expect_error(s, "bad magic");
  s = good;
  s[kTeacherCacheHeaderBytes + 37] ^= 0x10;  // a log-prob bit: still descending? maybe; hash fails
  write_bytes(bad, s);
  EXPECT_FALSE(TeacherCache::open(bad, pool).ok());
  s = good;
  detail::TeacherCacheHeader h;
  std::memcpy(&h, s.data(), sizeof(h));
  h.n_windows = uint64_t{1} << 62;  // overflow of windows x seq_len x k x 4
  std::memcpy(s.data(), &h, sizeof(h));
  expect_error(s, "does not match the header");
  std::memcpy(&h, good.data(), sizeof(h));
  h.k = 0;
  s = good;
  std::memcpy(s.data(), &h, sizeof(h));
  expect_error(s, "k 0");
  std::memcpy(&h, good.data(), sizeof(h));
  h.id_bits = 10;
  s = good;
  std::memcpy(s.data(), &h, sizeof(h));
  expect_error(s, "entry packing");
  // An id >= n_vocab (300 needs 9 bits, so 511 fits the field).
  s = good;
  uint32_t entry;
  std::memcpy(&entry, s.data() + kTeacherCacheHeaderBytes, 4);
  entry |= 511u;
  std::memcpy(s.data() + kTeacherCacheHeaderBytes, &entry, 4);
  expect_error(s, "token id >= n_vocab");
  // A payload changed consistently (ids valid, descending) still fails the hash.
  s = good;
  std::memcpy(&entry, s.data() + kTeacherCacheHeaderBytes, 4);
  entry = (entry & ~0x1FFu) | ((entry & 0x1FFu) == 0 ? 1u : 0u);
  std::memcpy(s.data() + kTeacherCacheHeaderBytes, &entry, 4);
  expect_error(s, "payload hash mismatch");
  // ensure_teacher_cache replaces a corrupt cache instead of failing or using it.
  write_bytes(f.cache, good.substr(0, good.size() / 2));
  auto rebuilt = ensure_teacher_cache(f.options(seq_len, 4), quiet());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message;
  EXPECT_FALSE(rebuilt->reused);
  EXPECT_EQ(read_bytes(f.cache), good);  // deterministic
}

TEST(TeacherCache, VocabularyMismatchIsAClearError) {
  Fixture f;
  f.make(3, 8);
  // Shard tokenized with another vocabulary.
  testing::write_shard(f.shard, f.tokens, 20, f.spec.n_vocab, testing::vocab_hash_of(f.teacher) ^ 1);
  auto r = ensure_teacher_cache(f.options(8, 4), quiet());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("vocabulary mismatch"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("300 tokens"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("train.bin"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(f.cache));
  // The recipe's tokenizer differs (a 320-token vocabulary).
  testing::write_shard(f.shard, f.tokens, 20, f.spec.n_vocab, testing::vocab_hash_of(f.teacher));
  const std::string other = f.dir.file("other.gguf");
  TeacherSpec os = f.spec;
  os.n_vocab = 320;
  testing::make_teacher(other, os);
  TeacherCacheOptions o = f.options(8, 4);
  o.recipe_tokenizer = other;
  r = ensure_teacher_cache(o, quiet());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("recipe's tokenizer"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("320 tokens"), std::string::npos) << r.error().message;
}

TEST(TeacherCache, TeacherThatDoesNotLoadAndShortShards) {
  Fixture f;
  f.make(3, 8);
  const std::string junk = f.dir.file("junk.gguf");
  write_bytes(junk, "GGUF this is not a model");
  TeacherCacheOptions o = f.options(8, 4);
  o.teacher_path = junk;
  auto r = ensure_teacher_cache(o, quiet());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not load"), std::string::npos) << r.error().message;
  o = f.options(64, 4);  // 25 tokens: not one window of 65
  r = ensure_teacher_cache(o, quiet());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fewer than one window"), std::string::npos) << r.error().message;
  o = f.options(8, 400);  // k > n_vocab
  EXPECT_FALSE(ensure_teacher_cache(o, quiet()).ok());
}

}  // namespace
}  // namespace primer::train
