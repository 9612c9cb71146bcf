// Shared helpers for the model tests: temp paths, tiny models from generate_model, and GGUF
// rewriting (copy a file with keys/tensors dropped or replaced) for hostile-file cases.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "primer/gguf.h"
#include "primer/log.h"
#include "primer/model.h"
#include "primer/model_factory.h"
#include "primer/thread_pool.h"

namespace primer::testing {

// Removes the files it lists when the test binary exits.
struct TempFiles {
  std::mutex mu;
  std::vector<std::string> paths;
  ~TempFiles() {
    std::error_code ec;
    for (const std::string& p : paths) std::filesystem::remove(p, ec);
  }
};

// A fresh path in the temp dir, unique per process and test; removed at exit.
inline std::string temp_path(const std::string& stem) {
  static TempFiles files;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "primer_model_" + std::to_string(::getpid()) + "_" + (info ? info->name() : "x") + "_" + stem;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::lock_guard<std::mutex> lock(files.mu);
  files.paths.push_back(path);
  return path;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline GenModelOptions tiny_options(const std::string& arch) {
  GenModelOptions o;
  o.arch = arch;
  o.n_embd = 64;
  o.n_layer = 2;
  o.n_head = 4;
  o.n_head_kv = 2;
  o.n_ff = 96;
  o.n_vocab = 300;
  o.seed = 7;
  return o;
}

// Writes a model with `options` to a temp file and returns its path (fails the test on error).
inline std::string gen_model_file(const GenModelOptions& options, const std::string& stem = "model.gguf") {
  static ThreadPool pool(2);
  static Logger logger(LogLevel::kWarn);
  std::string path = temp_path(stem);
  Status s = generate_model(options, path, pool, logger);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return path;
}

// A copy of a GGUF file with edits: keys dropped or replaced, tensors dropped or replaced, and
// extra keys/tensors appended.
struct GgufEdit {
  std::set<std::string> drop_keys;
  std::set<std::string> drop_tensors;
  std::map<std::string, std::function<void(GgufWriter&)>> replace_keys;
  std::map<std::string, std::function<void(GgufWriter&)>> replace_tensors;
  std::vector<std::function<void(GgufWriter&)>> extra;
};

inline std::vector<uint8_t> rewrite(const GgufFile& src, const GgufEdit& e) {
  GgufWriter w;
  for (const auto& [key, value] : src.kvs()) {
    const std::string k(key);
    if (k == "general.alignment" || e.drop_keys.count(k)) continue;
    auto it = e.replace_keys.find(k);
    if (it != e.replace_keys.end()) {
      it->second(w);
    } else {
      w.add_value(k, value);
    }
  }
  for (const GgufTensorInfo& t : src.tensors()) {
    const std::string name(t.name);
    if (e.drop_tensors.count(name)) continue;
    auto it = e.replace_tensors.find(name);
    if (it != e.replace_tensors.end()) {
      it->second(w);
    } else {
      w.add_tensor(name, t.type, t.dims, std::span<const uint8_t>(t.data, t.n_bytes));
    }
  }
  for (const auto& fn : e.extra) fn(w);
  return w.to_bytes();
}

// Loads a model from bytes (which must outlive the result).
inline Result<std::unique_ptr<Model>> load_bytes(const std::vector<uint8_t>& bytes,
                                                 const ModelLoadOptions& options = {}) {
  auto file = GgufFile::parse(bytes, "test.gguf");
  if (!file.ok()) return file.error();
  return Model::from_gguf(std::move(file).value(), options);
}

}  // namespace primer::testing
