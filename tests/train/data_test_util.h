// Shared by the data tests (shard, prepare, batch sampler): a tiny byte-level BPE tokenizer with
// ChatML special tokens written to a temp dir, and shard-building helpers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "primer/tokenizer.h"
#include "test_files.h"

namespace primer::testing {

// TempDir, write_file: tests/test_files.h.
inline std::string read_all(const std::string& path) { return read_file(path); }

inline constexpr const char* kChatMlTemplate =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

// GPT-2's byte -> printable code point map, as UTF-8 strings.
inline std::vector<std::string> byte_level_chars() {
  std::vector<int> cps(256, -1);
  for (int b = 0; b < 256; ++b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) cps[b] = b;
  }
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    if (cps[b] < 0) cps[b] = 256 + n++;
  }
  std::vector<std::string> out;
  for (int cp : cps) {
    std::string s;
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    out.push_back(s);
  }
  return out;
}

// Writes DIR/tokenizer.json + DIR/tokenizer_config.json: 256 byte tokens, a few merges, then
// <|endoftext|> (eos), <|im_start|>, <|im_end|>; ChatML chat template unless `chat_template` is
// given ("" writes none). Returns the tokenizer.json path.
inline std::string write_tiny_tokenizer(const std::string& dir, const std::string& chat_template = kChatMlTemplate,
                                        bool with_eos = true) {
  using Json = nlohmann::ordered_json;
  const std::vector<std::string> chars = byte_level_chars();
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[chars[b]] = b;
  const std::string G = chars[' '];
  const std::vector<std::pair<std::string, std::string>> merges = {
      {G, "t"}, {"h", "e"}, {G + "t", "he"}, {"e", "r"}, {G, "a"}, {"i", "n"}, {G, "s"}, {"l", "l"}, {"o", "n"}};
  Json merge_list = Json::array();
  int next = 256;
  for (const auto& [a, b] : merges) {
    if (!vocab.contains(a + b)) vocab[a + b] = next++;
    merge_list.push_back(a + " " + b);
  }
  Json added = Json::array();
  for (const char* s : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
    added.push_back({{"id", next++}, {"content", s}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  }
  Json tj = byte_level_tokenizer_json(vocab, merge_list, added);
  Json cfg = Json::object();
  if (with_eos) cfg["eos_token"] = "<|endoftext|>";
  cfg["bos_token"] = nullptr;
  if (!chat_template.empty()) cfg["chat_template"] = chat_template;
  const std::string tok_path = (std::filesystem::path(dir) / "tokenizer.json").string();
  write_file(tok_path, tj.dump());
  write_file((std::filesystem::path(dir) / "tokenizer_config.json").string(), cfg.dump());
  return tok_path;
}

inline Tokenizer load_tiny_tokenizer(const std::string& tok_path) {
  const std::string cfg = (std::filesystem::path(tok_path).parent_path() / "tokenizer_config.json").string();
  auto r = Tokenizer::from_hf_files(tok_path, cfg);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    std::abort();
  }
  return std::move(r).value();
}

}  // namespace primer::testing
