// Temporary folders and whole-file reads/writes for tests (header-only, any test module).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

namespace primer::testing {

// A fresh directory under the system temp dir ("<prefix>-XXXXXX"), removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "primer-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// A Hugging Face tokenizer.json for a byte-level BPE vocabulary (GPT-2's ByteLevel pre-tokenizer
// and decoder, no normalizer): `vocab` {piece: id}, `merges` ["a b", ...], `added` tokens.
inline nlohmann::ordered_json byte_level_tokenizer_json(const nlohmann::ordered_json& vocab,
                                                        const nlohmann::ordered_json& merges,
                                                        const nlohmann::ordered_json& added) {
  using Json = nlohmann::ordered_json;
  const Json byte_level = {{"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  Json pre = {{"type", "ByteLevel"}};
  pre.update(byte_level);
  Json decoder = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", pre},
          {"post_processor", nullptr},
          {"decoder", decoder},
          {"model",
           {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
            {"merges", merges}}}};
}

}  // namespace primer::testing
