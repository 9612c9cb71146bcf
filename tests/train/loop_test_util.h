// Shared by the training-loop tests (recipe, loop, checkpoint, memorize, export): a byte-level
// tokenizer (256 byte tokens + <|endoftext|>, no merges), shards written directly in the
// documented format, a small synthetic corpus and tiny recipes.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "primer/train_data.h"
#include "primer/train_loop.h"
#include "test_files.h"

namespace primer::loop_testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
// The tiny recipe's batch geometry (smaller under the sanitizers, which are ~10x slower).
inline constexpr int64_t kTinyBatch = kSanitized ? 2 : 4;
inline constexpr int64_t kTinySeq = kSanitized ? 16 : 32;

// Temporary folders and files (tests/test_files.h).
struct LoopTempDir : primer::testing::TempDir {
  LoopTempDir() : TempDir("primer-loop") {}
};
using primer::testing::read_file;
using primer::testing::write_file;
inline void write_text_file(const std::string& path, const std::string& content) { write_file(path, content); }
inline std::string read_text_file(const std::string& path) { return read_file(path); }

// DIR/tokenizer.json (+ tokenizer_config.json): byte-level BPE with the 256 byte tokens (ids =
// byte values) and <|endoftext|> = 256 as eos; vocabulary 257.
inline std::string write_byte_tokenizer(const std::string& dir) {
  using Json = nlohmann::ordered_json;
  std::vector<int> cps(256, -1);
  for (int b = 0; b < 256; ++b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) cps[b] = b;
  }
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    if (cps[b] < 0) cps[b] = 256 + n++;
  }
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) {
    std::string s;
    if (cps[b] < 0x80) {
      s.push_back(static_cast<char>(cps[b]));
    } else {
      s.push_back(static_cast<char>(0xC0 | (cps[b] >> 6)));
      s.push_back(static_cast<char>(0x80 | (cps[b] & 0x3F)));
    }
    vocab[s] = b;
  }
  Json added = Json::array();
  added.push_back({{"id", 256}, {"content", "<|endoftext|>"}, {"single_word", false}, {"lstrip", false},
                   {"rstrip", false}, {"normalized", false}, {"special", true}});
  Json tj = primer::testing::byte_level_tokenizer_json(vocab, Json::array(), added);
  Json cfg = {{"eos_token", "<|endoftext|>"}, {"bos_token", nullptr}};
  const std::string path = (std::filesystem::path(dir) / "tokenizer.json").string();
  write_text_file(path, tj.dump());
  write_text_file((std::filesystem::path(dir) / "tokenizer_config.json").string(), cfg.dump());
  return path;
}

// A shard in the documented format (train_data.h): one document, no loss mask.
inline void write_shard(const std::string& path, const std::vector<uint32_t>& tokens, uint64_t n_vocab,
                        uint64_t tokenizer_hash) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [&](uint64_t v) { f.write(reinterpret_cast<const char*>(&v), 8); };
  f.write("PRMSHRD1", 8);
  u32(1);
  u32(0);
  u64(tokens.size());
  u64(tokens.empty() ? 0 : 1);
  u64(n_vocab);
  u64(tokenizer_hash);
  const char pad[16] = {};
  f.write(pad, 16);
  f.write(reinterpret_cast<const char*>(tokens.data()), static_cast<std::streamsize>(tokens.size() * 4));
  u64(0);
  if (!tokens.empty()) u64(tokens.size());
}

// Deterministic English-like text from a tiny grammar (learnable, not trivially periodic).
inline std::string synthetic_text(size_t n_bytes, uint64_t seed) {
  static const char* kSubj[] = {"the cat", "a dog", "the bird", "my friend", "the teacher", "a child"};
  static const char* kVerb[] = {"sees", "likes", "finds", "reads", "draws", "hears"};
  static const char* kObj[] = {"the sun", "a book", "the sea", "a song", "the tree", "a letter"};
  std::string out;
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  auto next = [&s](int n) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((s >> 33) % static_cast<uint64_t>(n));
  };
  while (out.size() < n_bytes) {
    out += kSubj[next(6)];
    out += " ";
    out += kVerb[next(6)];
    out += " ";
    out += kObj[next(6)];
    out += ". ";
  }
  out.resize(n_bytes);
  return out;
}

inline std::vector<uint32_t> byte_tokens(const std::string& text) {
  std::vector<uint32_t> t;
  for (unsigned char c : text) t.push_back(c);
  return t;
}

// tokenizer.json, train.bin and val.bin in a temp dir, with the tokenizer's vocabulary hash.
struct TinyData {
  LoopTempDir dir;
  std::string tokenizer, train, val;
  uint64_t hash = 0;
};

inline void make_tiny_data(TinyData& d, size_t train_bytes = 6000, size_t val_bytes = 1200) {
  d.tokenizer = write_byte_tokenizer(d.dir.path());
  auto tok = train::load_tokenizer_any(d.tokenizer);
  ASSERT_TRUE(tok.ok()) << tok.error().message;
  ASSERT_EQ((*tok)->vocab_size(), 257u);
  d.hash = train::tokenizer_vocab_hash(**tok);
  d.train = d.dir.file("train.bin");
  d.val = d.dir.file("val.bin");
  write_shard(d.train, byte_tokens(synthetic_text(train_bytes, 1)), 257, d.hash);
  write_shard(d.val, byte_tokens(synthetic_text(val_bytes, 2)), 257, d.hash);
}

// A recipe for a tiny llama over TinyData; `extra` is appended (more keys, other sections).
inline std::string tiny_recipe_toml(const TinyData& d, const std::string& out_dir, const std::string& train_extra = "",
                                    const std::string& extra = "",
                                    const std::string& eval = "[eval]\nevery = 10\nbatches = 2\n") {
  return "[model]\narch = \"llama\"\nn_embd = 32\nn_layer = 2\nn_head = 4\nn_head_kv = 2\nn_ff = 64\n"
         "[data]\ntrain = \"" + d.train + "\"\nval = \"" + d.val + "\"\ntokenizer = \"" + d.tokenizer + "\"\n"
         "[train]\nbatch_size = " + std::to_string(kTinyBatch) + "\nseq_len = " + std::to_string(kTinySeq) +
         "\nsteps = 20\nlr = 3e-3\nmin_lr = 3e-4\nwarmup_steps = 4\n"
         "threads = 2\nseed = 7\n" + train_extra +
         eval + "[output]\ndir = \"" + out_dir + "\"\n" + extra;
}

}  // namespace primer::loop_testing
